// Logging in and out, and the account's files.
import * as api from './api.js';
import { announce, byId } from './dom.js';
import { fileItem } from './fileview.js';
import { formatBytes, formatDate } from './format.js';
import { pagedList } from './paged.js';
import { clearSession, loadSession, saveSession } from './store.js';

let session = loadSession();
const listeners = [];

export const currentToken = () => session?.token || null;
export const currentUser = () => session?.username || null;
export const onSessionChange = (listener) => listeners.push(listener);

function setSession(newSession, remember) {
  session = newSession;
  if (newSession) saveSession(newSession, remember);
  else clearSession();
  listeners.forEach((listener) => listener(session));
}

// The server no longer takes the token (expired, logged out elsewhere): forget it, and say so.
export function sessionEnded() {
  if (!session) return;
  setSession(null);
  byId('auth-message').textContent = 'Your session has ended. Log in again.';
}

export function setUpAuth() {
  const form = byId('auth-form');
  const message = byId('auth-message');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const action = event.submitter?.value === 'register' ? 'register' : 'login';
    const username = byId('auth-username').value;
    const password = byId('auth-password').value;
    if (!username || !password) {
      message.textContent = 'Enter a username and a password.';
      return;
    }
    const buttons = form.querySelectorAll('button');
    buttons.forEach((button) => { button.disabled = true; });
    message.textContent = action === 'register' ? 'Registering…' : 'Logging in…';
    try {
      const answer = action === 'register' ? await api.register(username, password) : await api.login(username, password);
      byId('auth-password').value = '';
      message.textContent = '';
      setSession({ token: answer.accessToken, username: answer.username }, byId('auth-remember').checked);
      announce(`Logged in as ${answer.username}`);
    } catch (error) {
      message.textContent = error.message;
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });

  byId('logout').addEventListener('click', async () => {
    const token = currentToken();
    setSession(null);
    announce('Logged out');
    try { await api.logout(token); } catch { /* the token is forgotten here either way */ }
  });
}

export function setUpMyFiles() {
  const status = byId('my-files-status');
  const search = byId('my-files-search');
  let files = [];
  const report = (text) => { status.textContent = text; announce(text); };
  const list = pagedList(byId('my-files-list'), byId('my-files-pager'), (file) => fileItem({
    fileUrl: file.file_url,
    fullUrl: file.file_url_full,
    key: file.key,
    name: file.user_filename,
    ext: file.ext,
    details: `${formatDate(file.created_at)} · ${formatBytes(file.size)}`,
    report,
    onDeleted: () => {
      files = files.filter((f) => f.file_url !== file.file_url);
      show(true);
    },
  }));

  function show(keepPage = false) {
    const query = search.value.trim().toLowerCase();
    const shown = query ? files.filter((f) => f.user_filename.toLowerCase().includes(query)) : files;
    list.show(shown, { keepPage });
    status.textContent = files.length === 0 ? 'No files yet: upload one above.'
      : query ? `${shown.length} of ${files.length} files match.` : `${files.length} files.`;
  }

  async function reload() {
    const token = currentToken();
    if (!token) return;
    status.textContent = 'Loading…';
    try {
      const answer = await api.listFiles(token);
      files = [...answer.data].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
      show();
    } catch (error) {
      if (error.status === 401) sessionEnded();
      else status.textContent = `Could not load your files: ${error.message}`;
    }
  }

  search.addEventListener('input', () => show());
  byId('my-files-reload').addEventListener('click', reload);
  return { reload };
}
