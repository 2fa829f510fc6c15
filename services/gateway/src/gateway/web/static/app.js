// The page: wires the upload area, the account, the history, claiming and the ShareX section together.
import { MAX_UPLOAD_BYTES } from './api.js';
import { byId } from './dom.js';
import { formatBytes } from './format.js';
import { currentToken, currentUser, onSessionChange, sessionEnded, setUpAuth, setUpMyFiles } from './account.js';
import { setUpClaim } from './claim.js';
import { setUpHistory } from './history.js';
import { setUpSharex } from './sharex.js';
import { addFiles } from './uploads.js';

const uploads = byId('uploads');
const fileInput = byId('file-input');
let reloadSoon = null;
const uploadOptions = () => ({
  includeExt: byId('include-ext').checked,
  token: currentToken(),
  onAccountFailure: sessionEnded,
  onUploaded: (answer) => {
    if (!answer.synced) return;
    clearTimeout(reloadSoon);
    reloadSoon = setTimeout(() => myFiles.reload(), 500);
  },
});
const upload = (files) => { if (files.length > 0) addFiles(Array.from(files), uploads, uploadOptions); };

byId('drop-hint').textContent = MAX_UPLOAD_BYTES ? `Up to ${formatBytes(MAX_UPLOAD_BYTES)} per file` : '';
byId('drop-zone').addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => {
  upload(fileInput.files);
  fileInput.value = '';
});

const overlay = byId('drop-overlay');
const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files');
let dragDepth = 0;
window.addEventListener('dragenter', (event) => {
  if (!carriesFiles(event)) return;
  dragDepth += 1;
  overlay.hidden = false;
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) overlay.hidden = true;
});
window.addEventListener('dragover', (event) => {
  if (carriesFiles(event)) event.preventDefault();
});
window.addEventListener('drop', (event) => {
  dragDepth = 0;
  overlay.hidden = true;
  if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
  event.preventDefault();
  upload(event.dataTransfer.files);
});

// Ctrl+V of a screenshot or of files copied in a file manager; text pasted into a field stays text.
document.addEventListener('paste', (event) => {
  const files = Array.from(event.clipboardData?.files || []);
  if (files.length === 0) return;
  event.preventDefault();
  const named = files.map((file) => (file.name && file.name !== 'image.png'
    ? file
    : new File([file], `pasted-${new Date().toISOString().replace(/[:.]/g, '-')}.${(file.type.split('/')[1] || 'png').replace(/[^a-z0-9]/g, '')}`, { type: file.type })));
  upload(named);
});

setUpAuth();
const myFiles = setUpMyFiles();
setUpHistory();
const claim = setUpClaim(currentToken, currentUser, () => myFiles.reload());
const sharex = setUpSharex(currentUser);
window.addEventListener('fu-history', () => claim.refresh());

function showSession() {
  const user = currentUser();
  byId('whoami').textContent = user ? `Logged in as ${user}` : '';
  byId('bot-username').value = user || '';
  byId('logout').hidden = !user;
  byId('auth-form').hidden = Boolean(user);
  byId('account').hidden = Boolean(user);
  byId('my-files').hidden = !user;
  byId('sharex').hidden = !user;
  sharex.reset();
  claim.refresh();
  if (user) myFiles.reload();
}

onSessionChange(showSession);
showSession();
