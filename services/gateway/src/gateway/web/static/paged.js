// A list shown a page at a time, so that thousands of items cost no more than fifty.
import { el } from './dom.js';

export const PAGE_SIZE = 50;

export function pagedList(list, pager, renderItem) {
  let items = [];
  let page = 0;

  function render() {
    const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    list.replaceChildren(...items.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map(renderItem));
    pager.replaceChildren();
    if (pages > 1) {
      const go = (delta) => () => { page += delta; render(); list.scrollIntoView({ block: 'start' }); };
      pager.append(
        el('button', { type: 'button', className: 'secondary', text: 'Previous', disabled: page === 0, onclick: go(-1) }),
        el('span', { text: `Page ${page + 1} of ${pages}` }),
        el('button', { type: 'button', className: 'secondary', text: 'Next', disabled: page === pages - 1, onclick: go(1) }),
      );
    }
  }

  return {
    show(newItems, { keepPage = false } = {}) {
      items = newItems;
      if (!keepPage) page = 0;
      render();
    },
  };
}
