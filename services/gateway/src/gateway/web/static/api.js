// The HTTP API (docs/api.md), and its errors worded for people.
import { formatBytes, formatDuration } from './format.js';

export const MAX_UPLOAD_BYTES = Number(document.querySelector('meta[name="fu-max-upload-bytes"]')?.content) || 0;
export const TRANSFER_BATCH = 100;
const REQUEST_TIMEOUT_MS = 30_000;
// An upload that neither moves nor is answered for this long is given up (the server itself ends a
// stalled body after 60 s).
const UPLOAD_STALL_MS = 120_000;

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(describeFailure(status, body, retryAfter));
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

// One sentence for a failed request: `status` 0 means no answer came at all.
export function describeFailure(status, body, retryAfter) {
  const message = body && typeof body.message === 'string' ? body.message : '';
  switch (status) {
    case 0:
      return 'Network error: the server could not be reached or the connection broke. Check your connection and retry.';
    case 401:
      return `Not logged in: ${body?.auth_error?.message || 'your session has ended'}. Log in again.`;
    case 413: {
      const limit = /\(([^)]+)\)/.exec(message)?.[1] || (MAX_UPLOAD_BYTES ? formatBytes(MAX_UPLOAD_BYTES) : '');
      return limit ? `Too large: the limit is ${limit} per file.` : 'Too large for this server.';
    }
    case 429: {
      const wait = Number(retryAfter);
      return Number.isFinite(wait) && wait > 0
        ? `Rate limited: too many requests. Try again in ${formatDuration(wait)}.`
        : 'Rate limited: too many requests. Try again in a minute.';
    }
    case 502:
    case 503:
    case 504:
      return `Server unavailable: ${message || 'try again in a moment'}.`;
    case 507:
      return 'The server is out of storage space. Try again later.';
    default:
      return message ? `${message}.`.replace(/\.\.$/, '.') : `The request failed (HTTP ${status}).`;
  }
}

export function tooLargeMessage(size) {
  return `Too large: ${formatBytes(size)}, and the limit is ${formatBytes(MAX_UPLOAD_BYTES)} per file.`;
}

async function request(method, path, { token, json, extraHeaders } = {}) {
  const headers = { ...extraHeaders };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(0, null, null);
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) throw new ApiError(response.status, body, response.headers.get('Retry-After'));
  return body;
}

export const login = (username, password, bot = false) =>
  request('POST', `/api/login${bot ? '?bot=true' : ''}`, { json: { username, password } });
export const register = (username, password) => request('POST', '/api/register', { json: { username, password } });
export const logout = (token) => request('POST', '/api/logout', { token });
export const listFiles = (token) => request('GET', '/api/get_files', { token });
// The key in a header, never in a URL (which servers and proxies log).
export const deleteFile = (fileUrl, key) =>
  request('DELETE', `/api/files/${encodeURIComponent(fileUrl)}`, { extraHeaders: { 'X-Delete-Key': key } });
export const transfer = (token, items) => request('POST', '/api/transfer', { token, json: { data: items } });

// An upload through XMLHttpRequest, the one browser API that reports upload progress. The File is
// handed to the browser, which streams it from disk: it is never read into memory here.
export function upload(file, { includeExt, token, idempotencyKey, onProgress }) {
  const xhr = new XMLHttpRequest();
  let stalled = null;
  let giveUp = () => {};
  const watch = () => {
    clearTimeout(stalled);
    stalled = setTimeout(() => giveUp(), UPLOAD_STALL_MS);
  };
  const done = new Promise((resolve, reject) => {
    // Rejected first, so that the abort it causes is not taken for the person's cancel.
    giveUp = () => { reject(new ApiError(0, null, null)); xhr.abort(); };
    xhr.addEventListener('loadend', () => clearTimeout(stalled));
    xhr.open('POST', `/api/upload${includeExt ? '?include_ext=true' : ''}`);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    xhr.upload.addEventListener('progress', (event) => {
      watch();
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 200 && body) resolve(body);
      else reject(new ApiError(xhr.status, body, xhr.getResponseHeader('Retry-After')));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, null, null)));
    xhr.addEventListener('timeout', () => reject(new ApiError(0, null, null)));
    xhr.addEventListener('abort', () => reject(new DOMException('Cancelled', 'AbortError')));
    xhr.addEventListener('readystatechange', watch);
    const form = new FormData();
    form.append('file', file, file.name || 'pasted.png');
    xhr.send(form);
    watch();
  });
  return { done, cancel: () => xhr.abort() };
}
