// Languages of the pages: Spanish, Catalan, French and English. The language
// comes from the browser unless the person picked one (kept on the device).
//
// Each page adds its own strings with addStrings({es: {...}, ca: {...}, ...}).
// Markup uses data-i18n="key" (text), data-i18n-placeholder, data-i18n-aria-label
// and data-i18n-title; applyTranslations() fills them in.

export const languages = [
  ['es', 'Español'],
  ['ca', 'Català'],
  ['fr', 'Français'],
  ['en', 'English'],
];
const codes = languages.map(([code]) => code);
const storageKey = 'pleno.language';
const tables = { es: {}, ca: {}, fr: {}, en: {} };
const listeners = [];

function detect() {
  try {
    const saved = localStorage.getItem(storageKey);
    if (codes.includes(saved)) return saved;
  } catch { /* storage may be disabled */ }
  for (const wanted of navigator.languages || [navigator.language || '']) {
    const code = String(wanted).toLowerCase().split('-')[0];
    if (codes.includes(code)) return code;
  }
  return 'es';
}

let current = detect();

export function language() {
  return current;
}

export function addStrings(table) {
  for (const code of codes) Object.assign(tables[code], table[code] || {});
}

// t('waiting_for', {n: 3}) → the string with {n} replaced; falls back to
// English, then to the key itself so that a missing string shows up in tests.
export function t(key, params = {}) {
  const template = tables[current][key] ?? tables.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function applyTranslations(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = t(element.dataset.i18nPlaceholder);
  for (const element of root.querySelectorAll('[data-i18n-aria-label]')) element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  for (const element of root.querySelectorAll('[data-i18n-title]')) element.title = t(element.dataset.i18nTitle);
  document.documentElement.lang = current;
}

export function setLanguage(code) {
  if (!codes.includes(code) || code === current) return;
  current = code;
  try { localStorage.setItem(storageKey, code); } catch { /* not kept */ }
  applyTranslations();
  for (const listener of listeners) listener(code);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

// Fills a <select> with the languages and switches on change.
export function languageSwitch(select) {
  select.replaceChildren(...languages.map(([code, name]) => {
    const option = document.createElement('option');
    option.value = code;
    option.textContent = name;
    option.lang = code;
    return option;
  }));
  select.value = current;
  select.addEventListener('change', () => setLanguage(select.value));
  onLanguageChange((code) => { select.value = code; });
}

// Strings every page shares.
addStrings({
  es: {
    language: 'Idioma',
    connection_connecting: 'Conectando…',
    connection_open: 'Conectado',
    connection_offline: 'Sin conexión. Reintentando…',
    connection_refused: 'Sesión caducada. Vuelva a entrar.',
    no_item: 'Ningún punto en debate',
    state_scheduled: 'Programada',
    state_live: 'En directo',
    state_closed: 'Cerrada',
  },
  ca: {
    language: 'Idioma',
    connection_connecting: 'Connectant…',
    connection_open: 'Connectat',
    connection_offline: 'Sense connexió. Reintentant…',
    connection_refused: 'La sessió ha caducat. Torneu a entrar.',
    no_item: 'Cap punt en debat',
    state_scheduled: 'Programada',
    state_live: 'En directe',
    state_closed: 'Tancada',
  },
  fr: {
    language: 'Langue',
    connection_connecting: 'Connexion…',
    connection_open: 'Connecté',
    connection_offline: 'Hors ligne. Nouvelle tentative…',
    connection_refused: 'Session expirée. Reconnectez-vous.',
    no_item: 'Aucun point en débat',
    state_scheduled: 'Prévue',
    state_live: 'En direct',
    state_closed: 'Terminée',
  },
  en: {
    language: 'Language',
    connection_connecting: 'Connecting…',
    connection_open: 'Connected',
    connection_offline: 'Offline. Trying again…',
    connection_refused: 'Your login has expired. Please log in again.',
    no_item: 'No item under debate',
    state_scheduled: 'Scheduled',
    state_live: 'Live',
    state_closed: 'Closed',
  },
});
