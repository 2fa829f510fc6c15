// Moving the uploads this browser remembers into the account (POST /api/transfer, 100 at a time).
import * as api from './api.js';
import { announce, byId, el } from './dom.js';
import { loadHistory, removeFromHistory } from './store.js';

const REASONS = {
  unknown_file: 'it no longer exists',
  wrong_key: 'its delete key is not the right one',
  owned_by_another_account: 'it belongs to another account',
  already_yours: 'it is already in your account',
  over_quota: 'your account has no room for it (its quota)',
};

export function setUpClaim(currentToken, currentUser, onMoved) {
  const section = byId('claim');
  const summary = byId('claim-summary');
  const start = byId('claim-start');
  const results = byId('claim-results');

  function refresh() {
    const count = loadHistory().length;
    const user = currentUser();
    if (!user) results.replaceChildren();
    section.hidden = !user || (count === 0 && results.childElementCount === 0);
    start.hidden = count === 0;
    summary.textContent = count === 0 ? 'Done.'
      : `This browser remembers ${count} upload${count === 1 ? '' : 's'} made without logging in. Move ${count === 1 ? 'it' : 'them'} into ${user}'s account, to see ${count === 1 ? 'it' : 'them'} on any device?`;
  }

  start.addEventListener('click', async () => {
    const token = currentToken();
    const entries = loadHistory();
    const names = new Map(entries.map((e) => [e.file_url, e.name || e.file_url]));
    start.disabled = true;
    results.replaceChildren();
    let moved = 0;
    try {
      for (let i = 0; i < entries.length; i += api.TRANSFER_BATCH) {
        const batch = entries.slice(i, i + api.TRANSFER_BATCH).map((e) => ({ file_url: e.file_url, key: e.key }));
        const answer = await api.transfer(token, batch);
        const settled = [];
        for (const item of answer.data || []) {
          const name = names.get(item.file_url) || item.file_url;
          const inAccount = item.claimed || item.reason === 'already_yours';
          if (inAccount) settled.push(item.file_url);
          if (item.claimed) moved += 1;
          results.append(el('li', { className: inAccount ? 'ok' : 'problem',
            text: item.claimed ? `${name}: moved` : `${name}: not moved, ${REASONS[item.reason] || item.reason}` }));
        }
        removeFromHistory(settled);
      }
      announce(`${moved} upload${moved === 1 ? '' : 's'} moved into your account`);
    } catch (error) {
      const text = error.status === 404 || error.status === 405
        ? 'This server cannot move uploads into accounts yet.'
        : `Moving stopped: ${error.message}`;
      results.append(el('li', { className: 'problem', text }));
      announce(text);
    } finally {
      start.disabled = false;
      refresh();
      onMoved();
    }
  });

  return { refresh };
}
