// The uploads this browser remembers, with export to and import from a JSON file.
import { announce, byId, saveFile } from './dom.js';
import { fileItem } from './fileview.js';
import { extensionOf, formatBytes, formatDate } from './format.js';
import { pagedList } from './paged.js';
import { importHistory, loadHistory, removeFromHistory } from './store.js';

export function setUpHistory() {
  const status = byId('history-status');
  const report = (text) => { status.textContent = text; announce(text); };
  const list = pagedList(byId('history-list'), byId('history-pager'), (entry) => fileItem({
    fileUrl: entry.file_url,
    fullUrl: entry.file_url_full,
    key: entry.key,
    name: entry.name || entry.file_url,
    ext: extensionOf(entry.name || ''),
    details: [entry.date && formatDate(entry.date), Number.isFinite(entry.size) && formatBytes(entry.size)].filter(Boolean).join(' · '),
    report,
    onDeleted: () => removeFromHistory([entry.file_url]),
  }));

  function render() {
    const entries = loadHistory();
    byId('history-empty').hidden = entries.length > 0;
    byId('history-export').disabled = entries.length === 0;
    list.show(entries, { keepPage: true });
  }

  byId('history-export').addEventListener('click', () => {
    const day = new Date().toISOString().slice(0, 10);
    saveFile(`file-uploader-history-${day}.json`, 'application/json', `${JSON.stringify(loadHistory(), null, 2)}\n`);
  });
  const input = byId('history-import-input');
  byId('history-import').addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    const [file] = input.files;
    input.value = '';
    if (!file) return;
    try {
      const entries = JSON.parse(await file.text());
      if (!Array.isArray(entries)) throw new Error('not a list');
      const added = importHistory(entries);
      report(`Imported ${added} upload${added === 1 ? '' : 's'} (${entries.length - added} already known or not valid).`);
    } catch {
      report('That file is not an export of this page.');
    }
  });

  window.addEventListener('fu-history', render);
  // Another tab of the page changed the history.
  window.addEventListener('storage', render);
  render();
}
