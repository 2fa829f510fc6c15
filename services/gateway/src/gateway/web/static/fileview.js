// A stored file as the page shows it: preview, link with copy and open, delete.
import { deleteFile } from './api.js';
import { announce, confirmingButton, copyText, el } from './dom.js';
import { previewKind } from './format.js';

// Previews load from this origin's own /file/ path: the public link may be on another host, which
// the page's policy (img-src 'self') would not load.
export function preview(fileUrl, ext, name) {
  const src = `/file/${encodeURIComponent(fileUrl)}`;
  switch (previewKind(ext)) {
    case 'image':
      return el('img', { className: 'preview', src, alt: `Preview of ${name}`, loading: 'lazy', decoding: 'async' });
    case 'video':
      return el('video', { className: 'preview', src, controls: true, preload: 'metadata', muted: true, 'aria-label': `Preview of ${name}` });
    default:
      return el('span', { className: 'preview placeholder', 'aria-hidden': 'true', text: (ext || '?').replace('.', '').slice(0, 4) });
  }
}

export function linkTools(fullUrl, name) {
  const input = el('input', { className: 'link', type: 'text', readOnly: true, value: fullUrl, 'aria-label': `Link to ${name}` });
  input.addEventListener('focus', () => input.select());
  const copy = el('button', { type: 'button', text: 'Copy link' });
  copy.addEventListener('click', async () => {
    const ok = await copyText(fullUrl, input);
    copy.textContent = ok ? 'Copied' : 'Press Ctrl+C';
    announce(ok ? `Link to ${name} copied` : 'Select the link and copy it');
    setTimeout(() => { copy.textContent = 'Copy link'; }, 2000);
  });
  const open = el('a', { className: 'button secondary', href: fullUrl, target: '_blank', rel: 'noopener noreferrer', text: 'Open' });
  return el('div', { className: 'link-tools' }, input, copy, open);
}

// Deletes with the file's key; `onDeleted` runs once the server has deleted it (or it was already gone).
export function deleteButton(fileUrl, key, name, report, onDeleted) {
  return confirmingButton('Delete', 'Really delete?', async () => {
    try {
      await deleteFile(fileUrl, key);
      report(`Deleted ${name}.`);
    } catch (error) {
      if (error.status !== 404) {
        report(`Could not delete ${name}: ${error.message}`);
        return;
      }
      report(`${name} was already deleted.`);
    }
    onDeleted();
  });
}

export function fileItem({ fileUrl, fullUrl, key, name, ext, details, report, onDeleted }) {
  const title = el('span', { className: 'name', text: name, title: name });
  const info = el('span', { className: 'details', text: details });
  return el('li', { className: 'row file' },
    preview(fileUrl, ext, name),
    el('div', { className: 'body' },
      el('div', { className: 'headline' }, title, info),
      el('div', { className: 'actions' }, linkTools(fullUrl, name), deleteButton(fileUrl, key, name, report, onDeleted))));
}
