// Elements built from data: text always goes in as textContent, never parsed as HTML.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'className') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== 'string') node[name] = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export const byId = (id) => document.getElementById(id);

const announcer = () => byId('announcer');

export function announce(message) {
  announcer().textContent = '';
  // A fresh text node after clearing makes screen readers read a repeated message again.
  setTimeout(() => { announcer().textContent = message; }, 50);
}

export function saveFile(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function copyText(text, fallbackInput) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch { /* falls back below */ }
  }
  if (fallbackInput) {
    fallbackInput.focus();
    fallbackInput.select();
    return document.execCommand('copy');
  }
  return false;
}

// A button whose first press asks, and whose second within a few seconds does.
export function confirmingButton(label, confirmLabel, action) {
  let armed = null;
  const button = el('button', { type: 'button', className: 'danger', text: label });
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = confirmLabel;
      armed = setTimeout(() => { armed = null; button.textContent = label; }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.disabled = true;
    try { await action(); } finally { button.disabled = false; button.textContent = label; }
  });
  return button;
}
