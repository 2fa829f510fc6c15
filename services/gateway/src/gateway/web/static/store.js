// What the browser keeps: the session's token, and the history of uploads made without an account.
//
// The token goes to sessionStorage (gone when the browser closes) unless the person asks to stay logged
// in, then to localStorage: staying logged in on a shared computer must be a choice. Either is readable
// by script on this origin, which the page's Content-Security-Policy limits to the page's own files.
const TOKEN_KEY = 'fu.session';
const HISTORY_KEY = 'fu.history.v1';
const FILE_URL = /^[A-Za-z0-9_-]{1,64}(\.[a-z0-9_+-]{1,16})?$/;

function readJson(storage, key) {
  try { return JSON.parse(storage.getItem(key)); } catch { return null; }
}

export function loadSession() {
  const session = readJson(sessionStorage, TOKEN_KEY) || readJson(localStorage, TOKEN_KEY);
  return session && typeof session.token === 'string' && typeof session.username === 'string' ? session : null;
}

export function saveSession(session, remember) {
  clearSession();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

// Entries: {file_url, file_url_full, key, name, size, date (ISO 8601)}, newest first.
export function loadHistory() {
  const entries = readJson(localStorage, HISTORY_KEY);
  return Array.isArray(entries) ? entries.filter(isEntry) : [];
}

function saveHistory(entries) {
  localStorage.setItem(HISTORY_KEY, JSON.stringify(entries));
  window.dispatchEvent(new Event('fu-history'));
}

export function isEntry(entry) {
  return entry !== null && typeof entry === 'object'
    && typeof entry.file_url === 'string' && FILE_URL.test(entry.file_url)
    && typeof entry.key === 'string' && entry.key.length > 0 && entry.key.length <= 128;
}

export function addToHistory(entry) {
  saveHistory([entry, ...loadHistory().filter((e) => e.file_url !== entry.file_url)]);
}

export function removeFromHistory(fileUrls) {
  const gone = new Set(fileUrls);
  saveHistory(loadHistory().filter((e) => !gone.has(e.file_url)));
}

// Merges an export in; returns how many entries were new.
export function importHistory(entries) {
  const current = loadHistory();
  const known = new Set(current.map((e) => e.file_url));
  const added = entries.filter(isEntry).filter((e) => !known.has(e.file_url)).map((e) => ({
    file_url: e.file_url,
    // A link is shown and opened: only a web address is taken from a file, anything else is rebuilt.
    file_url_full: /^https?:\/\//.test(e.file_url_full) ? e.file_url_full : `${location.origin}/file/${e.file_url}`,
    key: e.key,
    name: typeof e.name === 'string' ? e.name : e.file_url,
    size: Number.isFinite(e.size) ? e.size : null,
    date: typeof e.date === 'string' ? e.date : null,
  }));
  const merged = [...current, ...added].sort((a, b) => String(b.date || '').localeCompare(String(a.date || '')));
  saveHistory(merged);
  return added.length;
}
