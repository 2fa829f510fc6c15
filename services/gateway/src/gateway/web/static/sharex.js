// A bot token for ShareX and shell scripts, and the files that use it. The token travels only in the
// Authorization header, never in a URL.
import * as api from './api.js';
import { announce, byId, copyText, saveFile } from './dom.js';

export function sharexUploader(origin, token) {
  return {
    Version: '15.0.0',
    Name: `File Uploader (${new URL(origin).host})`,
    DestinationType: 'ImageUploader, TextUploader, FileUploader',
    RequestMethod: 'POST',
    RequestURL: `${origin}/api/upload`,
    Body: 'MultipartFormData',
    FileFormName: 'file',
    Headers: { Authorization: `Bearer ${token}` },
    URL: '{json:file_url_full}',
    DeletionURL: `${origin}/api/delete/{json:file_url}?key={json:key}`,
    ErrorMessage: '{json:message}',
  };
}

// Single quotes keep the shell from expanding anything in them.
const quoted = (text) => `'${text.replaceAll("'", "'\\''")}'`;

export function curlCommand(origin, token) {
  return `curl -H ${quoted(`Authorization: Bearer ${token}`)} -F 'file=@photo.png' ${quoted(`${origin}/api/upload`)}`;
}

export function shellFunction(origin, token) {
  return [
    '# fu FILE: uploads FILE into your account and prints its link',
    'fu() {',
    `  curl -fsS -H ${quoted(`Authorization: Bearer ${token}`)} -F "file=@$1" ${quoted(`${origin}/api/upload`)} \\`,
    `    | sed -n 's/.*"file_url_full": *"\\([^"]*\\)".*/\\1/p'`,
    '}',
  ].join('\n');
}

export function setUpSharex(currentUser) {
  const message = byId('bot-message');
  const tools = byId('bot-tools');
  let token = null;
  const origin = location.origin;

  byId('bot-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const password = byId('bot-password').value;
    if (!password) {
      message.textContent = 'Enter your password.';
      return;
    }
    message.textContent = 'Creating…';
    try {
      token = (await api.login(currentUser(), password, true)).accessToken;
      byId('bot-password').value = '';
      message.textContent = 'Bot token created.';
      byId('curl-command').textContent = curlCommand(origin, token);
      byId('shell-function').textContent = shellFunction(origin, token);
      tools.hidden = false;
      announce('Bot token created');
    } catch (error) {
      message.textContent = error.message;
    }
  });

  byId('sxcu-download').addEventListener('click', () => {
    const host = new URL(origin).host.replace(/[^A-Za-z0-9.-]/g, '_');
    saveFile(`${host}.sxcu`, 'application/json', `${JSON.stringify(sharexUploader(origin, token), null, 2)}\n`);
  });
  for (const [button, source] of [['curl-copy', 'curl-command'], ['shell-copy', 'shell-function']]) {
    byId(button).addEventListener('click', async () => {
      const ok = await copyText(byId(source).textContent);
      announce(ok ? 'Copied' : 'Select the text and copy it');
    });
  }

  // A token belongs to the session it was made in.
  return {
    reset() {
      token = null;
      tools.hidden = true;
      message.textContent = '';
      byId('curl-command').textContent = '';
      byId('shell-function').textContent = '';
    },
  };
}
