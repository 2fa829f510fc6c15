// The upload queue: one row per file with progress, speed, time left, cancel, and retry on failure.
import { ApiError, MAX_UPLOAD_BYTES, tooLargeMessage, upload } from './api.js';
import { announce, el } from './dom.js';
import { deleteButton, linkTools, preview } from './fileview.js';
import { extensionOf, formatBytes, formatDuration, previewKind, randomId } from './format.js';
import { addToHistory, removeFromHistory } from './store.js';

const PARALLEL = 2;
const queue = [];
let running = 0;
let pausedUntil = 0;

// `options()` is read when a file starts: {includeExt, token, onAccountFailure}.
export function addFiles(files, list, options) {
  for (const file of files) {
    const row = new UploadRow(file, options);
    list.prepend(row.element);
    row.enqueue();
  }
}

function pump() {
  const wait = pausedUntil - Date.now();
  if (wait > 0) {
    setTimeout(pump, wait);
    return;
  }
  while (running < PARALLEL && queue.length > 0) {
    const row = queue.shift();
    running += 1;
    row.start().finally(() => { running -= 1; pump(); });
  }
}

class UploadRow {
  constructor(file, options) {
    this.file = file;
    this.name = file.name || 'pasted.png';
    this.options = options;
    this.progress = el('progress', { max: 100, value: 0, 'aria-label': `Upload of ${this.name}` });
    this.status = el('span', { className: 'status', text: 'Waiting' });
    this.buttons = el('div', { className: 'actions' });
    this.result = el('div', { className: 'result' });
    this.element = el('li', { className: 'row upload' },
      el('div', { className: 'body' },
        el('div', { className: 'headline' },
          el('span', { className: 'name', text: this.name, title: this.name }),
          el('span', { className: 'details', text: formatBytes(file.size) })),
        this.progress, this.status, this.buttons, this.result));
  }

  setButtons(...buttons) {
    this.buttons.replaceChildren(...buttons);
  }

  button(label, action, className = 'secondary') {
    return el('button', { type: 'button', className, text: label, onclick: action });
  }

  enqueue() {
    this.element.classList.remove('failed');
    if (MAX_UPLOAD_BYTES && this.file.size > MAX_UPLOAD_BYTES) {
      this.fail(tooLargeMessage(this.file.size), false);
      return;
    }
    this.status.textContent = 'Waiting';
    this.setButtons(this.button('Cancel', () => this.cancelWaiting()));
    queue.push(this);
    pump();
  }

  cancelWaiting() {
    const index = queue.indexOf(this);
    if (index >= 0) queue.splice(index, 1);
    clearInterval(this.countdown);
    this.fail('Cancelled.', true);
  }

  async start() {
    const { includeExt, token } = this.options();
    // A retry of the same upload sends the same key, so that a file whose answer was lost is not
    // stored twice; the server refuses a key reused for another upload (other options, other owner).
    const attempt = `${includeExt}|${token || ''}`;
    if (this.attempt !== attempt) {
      this.attempt = attempt;
      this.idempotencyKey = randomId();
    }
    const started = performance.now();
    let last = { time: started, loaded: 0 };
    let speed = 0;
    const transfer = upload(this.file, {
      includeExt,
      token,
      idempotencyKey: this.idempotencyKey,
      onProgress: (loaded, total) => {
        const now = performance.now();
        const seconds = (now - last.time) / 1000;
        if (seconds >= 0.25 || loaded === total) {
          const current = (loaded - last.loaded) / Math.max(seconds, 0.001);
          speed = speed ? speed * 0.7 + current * 0.3 : current;
          last = { time: now, loaded };
        }
        this.showProgress(loaded, total, speed);
      },
    });
    this.element.classList.add('active');
    this.status.textContent = 'Starting…';
    this.setButtons(this.button('Cancel', () => transfer.cancel()));
    try {
      this.succeed(await transfer.done);
    } catch (error) {
      if (error instanceof ApiError) this.failWith(error);
      else this.fail('Cancelled.', true);
    } finally {
      this.element.classList.remove('active');
    }
  }

  showProgress(loaded, total, speed) {
    const percent = total ? Math.floor((loaded / total) * 100) : 0;
    this.progress.value = percent;
    this.element.dataset.sent = String(percent);
    if (loaded >= total) {
      this.status.textContent = '100 % sent, the server is storing it…';
      return;
    }
    const left = speed > 0 ? `, ${formatDuration((total - loaded) / speed)} left` : '';
    this.status.textContent = `${percent} % · ${formatBytes(speed)}/s${left}`;
  }

  succeed(answer) {
    const name = answer.user_filename || this.name;
    this.progress.value = 100;
    this.element.classList.add('done');
    const account = answer.synced;
    let note = account ? 'Uploaded into your account.' : 'Uploaded.';
    if (!account) {
      addToHistory({
        file_url: answer.file_url, file_url_full: answer.file_url_full, key: answer.key,
        name, size: this.file.size, date: new Date().toISOString(),
      });
      if (answer.auth_error && answer.auth_error.message) {
        note = `Uploaded without your account (${answer.auth_error.message}): it is kept in this browser's history.`;
        this.options().onAccountFailure?.();
      }
    }
    this.status.textContent = note;
    this.options().onUploaded?.(answer);
    this.progress.hidden = true;
    this.setButtons();
    const report = (message) => { this.status.textContent = message; announce(message); };
    const remove = deleteButton(answer.file_url, answer.key, name, report, () => {
      removeFromHistory([answer.file_url]);
      this.result.replaceChildren();
      this.element.classList.add('deleted');
    });
    const ext = answer.ext || extensionOf(name);
    const tools = el('div', { className: 'actions' }, linkTools(answer.file_url_full, name), remove);
    this.result.replaceChildren(...(previewKind(ext) ? [preview(answer.file_url, ext, name)] : []), tools);
    announce(`${name} uploaded. ${note}`);
  }

  failWith(error) {
    if (error.status === 429) {
      const wait = Math.max(1, Number(error.retryAfter) || 60);
      pausedUntil = Math.max(pausedUntil, Date.now() + wait * 1000);
      this.waitAndRetry(wait);
      return;
    }
    this.fail(error.message, error.status !== 413);
  }

  // Rate limited: says how long, counts down, and tries again by itself (or at once on "Retry now").
  waitAndRetry(seconds) {
    this.element.classList.add('failed');
    let left = seconds;
    const retryNow = () => { clearInterval(this.countdown); this.enqueue(); };
    const say = () => `Rate limited: too many uploads for now. Retrying by itself in ${formatDuration(left)}.`;
    this.status.textContent = say();
    this.setButtons(this.button('Retry now', retryNow, ''), this.button('Cancel', () => this.cancelWaiting()));
    announce(`${this.name}: ${say()}`);
    clearInterval(this.countdown);
    this.countdown = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        retryNow();
        return;
      }
      this.status.textContent = say();
    }, 1000);
  }

  fail(message, retryable) {
    this.element.classList.add('failed');
    this.status.textContent = message;
    this.progress.value = 0;
    this.setButtons(...(retryable ? [this.button('Retry', () => this.enqueue(), '')] : []),
      this.button('Remove', () => this.element.remove()));
    announce(`${this.name}: ${message}`);
  }
}
