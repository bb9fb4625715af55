// Small helpers for building the pages. Text from people only ever goes in
// through text nodes (textContent): never innerHTML.

export const byId = (id) => document.getElementById(id);

// el('li', {class: 'post', text: post.text, attrs: {'aria-label': ...}, on: {click}}, child, 'text', ...)
// Strings among the children become text nodes.
export function el(tag, options = {}, ...children) {
  const element = document.createElement(tag);
  const { class: className, id, text, attrs, dataset, on } = options;
  if (className) element.className = className;
  if (id) element.id = id;
  if (text !== undefined && text !== null) element.textContent = String(text);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  if (dataset) Object.assign(element.dataset, dataset);
  if (on) for (const [type, handler] of Object.entries(on)) element.addEventListener(type, handler);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

// The number of characters as the server counts them (code points), after the
// same trimming the server does. The server also normalises to NFC.
export function codePoints(text) {
  return [...text.normalize('NFC').trim()].length;
}

export function formatTime(ms, language) {
  if (!ms) return '';
  return new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

export function formatDateTime(ms, language) {
  if (!ms) return '';
  return new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short' }).format(new Date(ms));
}

// "45 s", "3 min", "1 h 05 min"
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

// A random id for a post, from the browser's secure random source (works on
// plain http too, where crypto.randomUUID is missing).
export function randomId(bytes = 16) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}
