// The chair's page (/chair): prepare sessions and their agendas, open and
// close them, move the current agenda item, hold / blank / resume the wall and
// set the overlay. Only chair accounts: the server refuses anyone else (hello
// as chair, and every chair command); the page only shows the right form.
//
// The page follows one session at a time (the one picked in the list), not
// the current one: `followCurrent: false`, and `current_session` only
// refreshes the list. Every ack and error is announced in #chair-status.

import { Connection } from './connection.js';
import { startLogin } from './login.js';
import { applyTranslations, language, languageSwitch, onLanguageChange, t } from './i18n.js';
import { byId, codePoints, el, formatDateTime } from './dom.js';
import { WallState, itemLabel } from './session-state.js';
import './chair-strings.js';

const limits = { title: 200, place: 200, itemTitle: 200, itemDescription: 600, overlay: 120, items: 200, number: 9999 };

let connection = null;
let login = null;
let lastHelloError = null;
const wall = new WallState();      // the followed session
let sessions = [];                 // from list_sessions
let currentSessionId = 0;
let creating = false;              // the details form creates a new session
let detailsDirty = false;
let draft = [];                    // agenda editor rows: {key, id, number, title, description}
let draftSessionId = 0;
let agendaDirty = false;
let nextKey = 1;
let confirming = null;             // 'open' | 'close' while the confirmation panel shows
let discardAsked = 0;              // session id the chair was warned about (unsaved agenda)
let listing = null;                // the list_sessions request in flight
let listAgain = false;

// ---- status -----------------------------------------------------------------

// A live region repeats nothing when its text does not change: the same
// sentence twice in a row (the wall held twice) is cleared, then set again.
const sayTimers = new Map();

function say(element, text) {
  clearTimeout(sayTimers.get(element));
  if (element.textContent === text && text) {
    element.textContent = '';
    sayTimers.set(element, setTimeout(() => { element.textContent = text; }, 100));
  } else {
    element.textContent = text;
  }
}

function announce(text) {
  say(byId('chair-error'), '');
  say(byId('chair-ack'), text);
  byId('chair-status').dataset.kind = 'ok';
}

function announceError(text) {
  say(byId('chair-ack'), '');
  say(byId('chair-error'), text);
  byId('chair-status').dataset.kind = 'error';
}

function has(key) {
  return t(key) !== key;
}

function errorText(error) {
  const code = error && error.code;
  if (code === 'another_session_live') {
    // "Session 1 is live; close it first.": the number from the server, the title from the list.
    const match = /(\d+)/.exec(error.message || '');
    const live = match ? sessions.find((session) => session.id === Number(match[1]))
      : sessions.find((session) => session.state === 'live' && session.id !== wall.session?.id);
    const n = match ? match[1] : live ? live.id : '?';
    return live ? t('chair_error_another_live_titled', { n, title: live.title }) : t('chair_error_another_session_live', { n });
  }
  if (code === 'bad_request' && error.message) return t('chair_error_bad_request_detail', { detail: error.message });
  if (code && has(`chair_error_${code}`)) return t(`chair_error_${code}`);
  if (error && error.message) return error.message;
  return t('chair_error_unknown');
}

function showError(error) {
  announceError(errorText(error));
}

// Sends a command; announces its ack (okText: a string or ack => string) or its error.
async function command(message, okText) {
  if (!connection) return null;
  try {
    const ack = await connection.request(message);
    if (okText) announce(typeof okText === 'function' ? okText(ack) : okText);
    return ack;
  } catch (error) {
    showError(error);
    return null;
  }
}

// ---- time -------------------------------------------------------------------

const pad = (value) => String(value).padStart(2, '0');

function toLocalInput(ms) {
  if (!ms) return '';
  const date = new Date(ms);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function fromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || '');
  if (!match) return 0;
  const [, year, month, day, hours, minutes] = match.map(Number);
  const ms = new Date(year, month - 1, day, hours, minutes).getTime();
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

// ---- the sessions list ------------------------------------------------------

async function refreshSessions() {
  if (!connection || !connection.isOpen) return;
  if (listing) {
    listAgain = true;
    return;
  }
  listing = connection.request({ type: 'list_sessions' });
  try {
    const ack = await listing;
    sessions = ack.sessions || [];
    currentSessionId = ack.current_session_id || 0;
    renderSessions();
  } catch (error) {
    if (error.code !== 'connection_lost') showError(error);
  } finally {
    listing = null;
    if (listAgain) {
      listAgain = false;
      refreshSessions();
    }
  }
}

const stateOrder = { live: 0, scheduled: 1, closed: 2 };

function sortedSessions() {
  return sessions.slice().sort((a, b) => (stateOrder[a.state] - stateOrder[b.state])
    || (a.state === 'closed' ? b.closed_at - a.closed_at : a.starts_at - b.starts_at)
    || (a.id - b.id));
}

function renderSessions() {
  const list = byId('sessions');
  const selected = wall.session ? wall.session.id : 0;
  byId('sessions-empty').hidden = sessions.length > 0;
  list.replaceChildren(...sortedSessions().map((session) => {
    const isSelected = !creating && session.id === selected;
    return el('li', { dataset: { sessionId: String(session.id), state: session.state } },
      el('button', {
        class: 'session-choice',
        attrs: { type: 'button', 'aria-current': isSelected ? 'true' : false },
        on: { click: () => selectSession(session.id) },
      },
      el('span', { class: 'session-choice-title', text: session.title }),
      el('span', { class: 'session-choice-facts' },
        el('span', { class: `state-badge state-${session.state}`, text: t(`state_${session.state}`) }),
        ' ',
        el('span', { text: formatDateTime(session.starts_at, language()) }),
        session.id === currentSessionId ? el('span', { class: 'current-mark', text: ` · ${t('chair_current_session')}` }) : null)));
  }));
}

function selectSession(sessionId) {
  if (!connection) return;
  const same = wall.session && wall.session.id === sessionId && !creating;
  if (same) return;
  if ((agendaDirty || detailsDirty) && discardAsked !== sessionId) {
    discardAsked = sessionId;
    announceError(t('chair_unsaved_warning'));
    return;
  }
  discardAsked = 0;
  creating = false;
  closeConfirm(false);
  connection.follow(sessionId).catch((error) => showError(error));
}

// ---- the followed session ---------------------------------------------------

function handleMessage(message) {
  switch (message.type) {
    case 'welcome':
      return;
    case 'snapshot':
    {
      wall.apply(message);
      const other = !wall.session || wall.session.id !== draftSessionId;
      if (other) {
        agendaDirty = false;
        detailsDirty = false;
      }
      renderAll(loadFromSession(other));
      refreshSessions();
      return;
    }
    case 'current_session':
      refreshSessions();
      return;
    case 'session_created':
    case 'session_updated':
    case 'agenda_updated':
    case 'session_opened':
    case 'session_closed':
      wall.apply(message);
      renderAll(loadFromSession(false));
      refreshSessions();
      return;
    case 'current_item_changed':
    case 'wall_mode_changed':
    case 'overlay_changed':
      wall.apply(message);
      renderOverview();
      renderRun();
      return;
    default:
      // Posts, queue and bans are the moderators' business.
  }
}

// Takes the session's data into the form and the agenda editor, unless the
// chair is editing them (then the draft stays, and saving replaces it).
// Returns true when the agenda editor got different rows.
function loadFromSession(force) {
  const session = wall.session;
  if (!session) {
    const had = draft.length > 0;
    draft = [];
    draftSessionId = 0;
    return had;
  }
  if (!creating && (force || !detailsDirty)) {
    fillDetails(session);
    detailsDirty = false;
  }
  if (!force && agendaDirty && draftSessionId === session.id) return false;
  const keys = new Map(draftSessionId === session.id ? draft.filter((row) => row.id).map((row) => [row.id, row.key]) : []);
  const rows = (session.agenda || []).map((item, index) => ({
    key: keys.get(item.id) || nextKey++,
    id: item.id,
    number: item.number === index + 1 ? '' : String(item.number),
    title: item.title,
    description: item.description || '',
  }));
  const signature = (list) => JSON.stringify(list.map((row) => [row.key, row.id, row.number, row.title, row.description]));
  const changed = force || draftSessionId !== session.id || signature(rows) !== signature(draft);
  draft = rows;
  draftSessionId = session.id;
  agendaDirty = false;
  return changed;
}

function fillDetails(session) {
  byId('session-title-input').value = session ? session.title : '';
  byId('session-place-input').value = session ? session.place || '' : '';
  byId('session-starts-input').value = session ? toLocalInput(session.starts_at) : '';
}

// ---- rendering --------------------------------------------------------------

// rebuildAgenda: the editor's rows are made anew (else only its buttons and
// notes are updated, so that typing in a row is never interrupted).
function renderAll(rebuildAgenda = true) {
  renderSessions();
  renderOverview();
  renderRun();
  renderDetails();
  renderAgenda(rebuildAgenda);
}

function renderOverview() {
  const session = wall.session;
  const show = Boolean(session) && !creating;
  byId('no-selection').hidden = Boolean(session) || creating;
  byId('session-overview').hidden = !show;
  if (!show) return;
  byId('selected-title').textContent = session.title;
  const badge = byId('selected-state');
  badge.textContent = t(`state_${session.state}`);
  badge.className = `state-badge state-${session.state}`;
  byId('selected-when').textContent = formatDateTime(session.starts_at, language());
  byId('selected-place').textContent = session.place || '';
  byId('selected-closed-note').hidden = session.state !== 'closed';
  byId('open-session').hidden = session.state !== 'scheduled';
  byId('close-session').hidden = session.state !== 'live';
  if (confirming && !((confirming === 'open' && session.state === 'scheduled') || (confirming === 'close' && session.state === 'live'))) {
    closeConfirm(false);
  }
}

function agendaOf(session) {
  return (session && session.agenda) || [];
}

function renderRun() {
  const session = wall.session;
  const show = Boolean(session) && !creating && session.state !== 'closed';
  byId('run-panel').hidden = !show;
  if (!show) return;
  const agenda = agendaOf(session);
  const index = agenda.findIndex((item) => item.id === session.current_item_id);
  const current = index >= 0 ? agenda[index] : null;
  byId('chair-current-item').textContent = current ? itemLabel(current) : t('no_item');
  byId('item-prev').disabled = index <= 0;
  byId('item-next').disabled = agenda.length === 0 || index >= agenda.length - 1;
  const list = byId('run-items');
  const focused = document.activeElement && document.activeElement.classList.contains('set-current')
    ? document.activeElement.dataset.itemId : null;
  list.replaceChildren(...agenda.map((item) => el('li', {},
    el('button', {
      class: `set-current${item.id === session.current_item_id ? ' is-current' : ''}`,
      text: itemLabel(item),
      dataset: { itemId: String(item.id) },
      attrs: { type: 'button', 'aria-current': item.id === session.current_item_id ? 'true' : false },
      on: { click: () => setCurrentItem(item) },
    }))));
  if (focused) list.querySelector(`button[data-item-id="${CSS.escape(focused)}"]`)?.focus();
  if (agenda.length === 0) list.replaceChildren(el('li', { class: 'muted', text: t('chair_agenda_empty') }));

  for (const button of document.querySelectorAll('.wall-modes button')) {
    button.setAttribute('aria-pressed', String(button.dataset.mode === session.wall_mode));
  }
  byId('overlay-current').textContent = session.overlay || t('chair_overlay_none');
  renderOverlayCount();
}

function renderOverlayCount() {
  const count = codePoints(byId('overlay-text').value);
  const output = byId('overlay-count');
  output.textContent = t('chair_char_count', { n: count, max: limits.overlay });
  output.classList.toggle('over', count > limits.overlay);
  byId('overlay-text').setAttribute('aria-invalid', String(count > limits.overlay));
}

function renderDetails() {
  const session = wall.session;
  const show = creating || Boolean(session);
  byId('details-panel').hidden = !show;
  if (!show) return;
  const closed = !creating && session.state === 'closed';
  byId('details-heading').textContent = creating ? t('chair_new_session_heading') : t('chair_details_heading');
  byId('session-save').textContent = creating ? t('chair_create') : t('chair_save_details');
  byId('session-cancel').hidden = !creating;
  for (const id of ['session-title-input', 'session-place-input', 'session-starts-input', 'session-save']) {
    byId(id).disabled = closed;
  }
}

function renderAgenda(rebuild = true) {
  const session = wall.session;
  const show = Boolean(session) && !creating;
  byId('agenda-panel').hidden = !show;
  if (!show) return;
  const closed = session.state === 'closed';
  byId('agenda-empty').hidden = draft.length > 0;
  byId('agenda-dirty').hidden = !agendaDirty;
  for (const id of ['agenda-save', 'agenda-import', 'agenda-import-text']) byId(id).disabled = closed;
  byId('agenda-add').disabled = closed || draft.length >= limits.items;
  if (!rebuild) return;
  // Keep the keyboard focus (and the caret) where it was.
  const list = byId('agenda-items');
  const active = document.activeElement;
  const activeRow = active && list.contains(active) ? active.closest('li.agenda-row') : null;
  const focus = activeRow ? {
    key: activeRow.dataset.key,
    class: [...active.classList].find((name) => name.startsWith('agenda-')),
    caret: typeof active.selectionStart === 'number' ? active.selectionStart : null,
  } : null;
  list.replaceChildren(...draft.map((row, index) => agendaRow(row, index, closed)));
  if (focus) {
    const target = list.querySelector(`li.agenda-row[data-key="${focus.key}"] .${focus.class}`);
    if (target && !target.disabled) {
      target.focus();
      if (focus.caret !== null && typeof target.setSelectionRange === 'function') target.setSelectionRange(focus.caret, focus.caret);
    }
  }
}

function agendaRow(row, index, closed) {
  const n = index + 1;
  const name = row.title || t('chair_agenda_untitled');
  const numberId = `agenda-number-${row.key}`;
  const titleId = `agenda-title-${row.key}`;
  const descriptionId = `agenda-description-${row.key}`;
  // The draft may have been rebuilt from the server since (same keys, new
  // objects): always write into the row of the current draft.
  const change = (field) => (event) => {
    const current = draft.find((entry) => entry.key === row.key);
    if (current) current[field] = event.target.value;
    if (field === 'title') labelRowButtons(event.target.closest('li.agenda-row'), draft.indexOf(current) + 1, event.target.value);
    event.target.removeAttribute('aria-invalid');
    markAgendaDirty();
  };
  const field = (element, value) => {
    element.value = value;
    return element;
  };
  return el('li', { class: 'agenda-row', dataset: { itemId: String(row.id || 0), key: String(row.key) } },
    el('p', { class: 'agenda-position', text: t('chair_agenda_position', { n }) }),
    el('div', { class: 'agenda-fields' },
      el('div', { class: 'agenda-field agenda-field-number' },
        el('label', { attrs: { for: numberId }, text: t('chair_agenda_number') }),
        field(el('input', {
          id: numberId,
          class: 'agenda-number',
          attrs: { type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: String(n), disabled: closed },
          on: { input: change('number') },
        }), row.number)),
      el('div', { class: 'agenda-field agenda-field-title' },
        el('label', { attrs: { for: titleId }, text: t('chair_agenda_title') }),
        field(el('input', {
          id: titleId,
          class: 'agenda-title',
          attrs: { autocomplete: 'off', disabled: closed },
          on: { input: change('title') },
        }), row.title)),
      el('div', { class: 'agenda-field agenda-field-description' },
        el('label', { attrs: { for: descriptionId }, text: t('chair_agenda_description') }),
        field(el('textarea', {
          id: descriptionId,
          class: 'agenda-description',
          attrs: { rows: 2, disabled: closed },
          on: { input: change('description') },
        }), row.description))),
    el('div', { class: 'agenda-row-buttons' },
      el('button', {
        class: 'agenda-up secondary',
        text: t('chair_up'),
        attrs: { type: 'button', 'aria-label': t('chair_up_item', { n, title: name }), disabled: closed || index === 0 },
        on: { click: () => moveRow(row.key, -1, 'agenda-up') },
      }),
      el('button', {
        class: 'agenda-down secondary',
        text: t('chair_down'),
        attrs: { type: 'button', 'aria-label': t('chair_down_item', { n, title: name }), disabled: closed || index === draft.length - 1 },
        on: { click: () => moveRow(row.key, 1, 'agenda-down') },
      }),
      el('button', {
        class: 'agenda-remove danger',
        text: t('chair_remove'),
        attrs: { type: 'button', 'aria-label': t('chair_remove_item', { n, title: name }), disabled: closed },
        on: { click: () => removeRow(row.key) },
      })));
}

function labelRowButtons(element, n, title) {
  if (!element || n < 1) return;
  const name = title.trim() || t('chair_agenda_untitled');
  element.querySelector('.agenda-up').setAttribute('aria-label', t('chair_up_item', { n, title: name }));
  element.querySelector('.agenda-down').setAttribute('aria-label', t('chair_down_item', { n, title: name }));
  element.querySelector('.agenda-remove').setAttribute('aria-label', t('chair_remove_item', { n, title: name }));
}

function rerenderAgenda() {
  renderAgenda(true);
}

function markAgendaDirty() {
  agendaDirty = true;
  byId('agenda-dirty').hidden = false;
}

function rowElement(key) {
  return byId('agenda-items').querySelector(`li.agenda-row[data-key="${key}"]`);
}

// ---- agenda editing ---------------------------------------------------------

function moveRow(key, step, buttonClass) {
  const from = draft.findIndex((row) => row.key === key);
  const to = from + step;
  if (from < 0 || to < 0 || to >= draft.length) return;
  const [row] = draft.splice(from, 1);
  draft.splice(to, 0, row);
  markAgendaDirty();
  rerenderAgenda();
  // Keep the keyboard where it was: on the same button of the moved row, or
  // on the other arrow when this one is now at the edge.
  const element = rowElement(key);
  const button = element.querySelector(`.${buttonClass}`);
  const other = element.querySelector(buttonClass === 'agenda-up' ? '.agenda-down' : '.agenda-up');
  (button.disabled ? other : button).focus();
  announce(t('chair_agenda_moved', { title: row.title || t('chair_agenda_untitled'), n: to + 1 }));
}

function removeRow(key) {
  const index = draft.findIndex((row) => row.key === key);
  if (index < 0) return;
  const [row] = draft.splice(index, 1);
  markAgendaDirty();
  rerenderAgenda();
  const next = draft[index] || draft[index - 1];
  if (next) rowElement(next.key).querySelector('.agenda-title').focus();
  else byId('agenda-add').focus();
  announce(t('chair_agenda_removed', { title: row.title || t('chair_agenda_untitled') }));
}

function addRow() {
  if (draft.length >= limits.items) return;
  const row = { key: nextKey++, id: 0, number: '', title: '', description: '' };
  draft.push(row);
  markAgendaDirty();
  rerenderAgenda();
  rowElement(row.key).querySelector('.agenda-title').focus();
}

function invalid(row, selector, message) {
  const field = rowElement(row.key)?.querySelector(selector);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
  announceError(message);
}

async function saveAgenda() {
  const session = wall.session;
  if (!session) return;
  const items = [];
  for (const [index, row] of draft.entries()) {
    const n = index + 1;
    const title = row.title.trim();
    const length = codePoints(title);
    if (length === 0) return invalid(row, '.agenda-title', t('chair_agenda_error_title_empty', { n }));
    if (length > limits.itemTitle) return invalid(row, '.agenda-title', t('chair_agenda_error_title_long', { n, max: limits.itemTitle }));
    if (codePoints(row.description) > limits.itemDescription) {
      return invalid(row, '.agenda-description', t('chair_agenda_error_description_long', { n, max: limits.itemDescription }));
    }
    const item = { title };
    if (row.id) item.id = row.id;
    const number = row.number.trim();
    if (number) {
      if (!/^\d{1,4}$/.test(number) || Number(number) < 1) {
        return invalid(row, '.agenda-number', t('chair_agenda_error_number', { n, max: limits.number }));
      }
      item.number = Number(number);
    }
    if (row.description.trim()) item.description = row.description;
    items.push(item);
  }
  const button = byId('agenda-save');
  button.disabled = true;
  const ack = await command({ type: 'set_agenda', session_id: session.id, items },
    (answer) => t('chair_agenda_saved', { n: answer.session ? answer.session.agenda.length : items.length }));
  button.disabled = false;
  if (ack && ack.session && wall.session && ack.session.id === wall.session.id) {
    wall.session = ack.session;
    agendaDirty = false;
    renderAll(loadFromSession(false));
  }
}

// The import: an array of {title, description?, number?}, or {"items": [...]}.
// Returns {items} or {error}.
export function parseAgendaImport(text) {
  if (!text.trim()) return { error: t('chair_import_error_empty') };
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: t('chair_import_error_json') };
  }
  if (data && !Array.isArray(data) && typeof data === 'object') {
    const extra = Object.keys(data).filter((key) => key !== 'items');
    if (extra.length || !Array.isArray(data.items)) return { error: t('chair_import_error_shape') };
    data = data.items;
  }
  if (!Array.isArray(data)) return { error: t('chair_import_error_shape') };
  if (data.length === 0) return { error: t('chair_import_error_none') };
  if (data.length > limits.items) return { error: t('chair_import_error_too_many', { max: limits.items }) };
  const items = [];
  for (const [index, entry] of data.entries()) {
    const n = index + 1;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return { error: t('chair_import_error_item', { n }) };
    for (const field of Object.keys(entry)) {
      // "id" is accepted and left out (an agenda copied from /api/sessions):
      // imported items are always new ones.
      if (!['title', 'description', 'number', 'id'].includes(field)) {
        return { error: t('chair_import_error_field', { n, field }) };
      }
    }
    if (typeof entry.title !== 'string' || codePoints(entry.title) === 0) return { error: t('chair_import_error_title', { n }) };
    if (codePoints(entry.title) > limits.itemTitle) return { error: t('chair_agenda_error_title_long', { n, max: limits.itemTitle }) };
    const item = { title: entry.title.trim() };
    if (entry.description !== undefined && entry.description !== null) {
      if (typeof entry.description !== 'string') return { error: t('chair_import_error_description', { n }) };
      if (codePoints(entry.description) > limits.itemDescription) {
        return { error: t('chair_agenda_error_description_long', { n, max: limits.itemDescription }) };
      }
      if (entry.description.trim()) item.description = entry.description;
    }
    if (entry.number !== undefined && entry.number !== null) {
      if (!Number.isInteger(entry.number) || entry.number < 0 || entry.number > limits.number) {
        return { error: t('chair_agenda_error_number', { n, max: limits.number }) };
      }
      if (entry.number > 0) item.number = entry.number;
    }
    items.push(item);
  }
  return { items };
}

async function importAgenda() {
  const session = wall.session;
  if (!session) return;
  const area = byId('agenda-import-text');
  const result = parseAgendaImport(area.value);
  const errorLine = byId('agenda-import-error');
  if (result.error) {
    errorLine.textContent = result.error;
    area.setAttribute('aria-invalid', 'true');
    announceError(result.error);
    area.focus();
    return;
  }
  errorLine.textContent = '';
  area.removeAttribute('aria-invalid');
  const button = byId('agenda-import');
  button.disabled = true;
  const ack = await command({ type: 'set_agenda', session_id: session.id, items: result.items },
    (answer) => t('chair_import_done', { n: answer.session ? answer.session.agenda.length : result.items.length }));
  button.disabled = false;
  if (ack && ack.session && wall.session && ack.session.id === wall.session.id) {
    area.value = '';
    wall.session = ack.session;
    agendaDirty = false;
    renderAll(loadFromSession(false));
  } else if (!ack) {
    errorLine.textContent = byId('chair-error').textContent;
  }
}

// ---- the session's details --------------------------------------------------

function startCreating() {
  if ((agendaDirty || detailsDirty) && discardAsked !== -1) {
    discardAsked = -1;
    announceError(t('chair_unsaved_warning_new'));
    return;
  }
  discardAsked = 0;
  creating = true;
  detailsDirty = false;
  closeConfirm(false);
  fillDetails(null);
  renderAll();
  byId('session-title-input').focus();
}

function cancelCreating() {
  creating = false;
  detailsDirty = false;
  renderAll(loadFromSession(true));
  byId('new-session').focus();
}

function detailsInvalid(id, message) {
  const field = byId(id);
  field.setAttribute('aria-invalid', 'true');
  field.focus();
  announceError(message);
}

async function saveDetails(event) {
  event.preventDefault();
  for (const id of ['session-title-input', 'session-place-input', 'session-starts-input']) byId(id).removeAttribute('aria-invalid');
  const title = byId('session-title-input').value.trim();
  const place = byId('session-place-input').value.trim();
  const startsAt = fromLocalInput(byId('session-starts-input').value);
  if (codePoints(title) === 0) return detailsInvalid('session-title-input', t('chair_error_title_empty'));
  if (codePoints(title) > limits.title) return detailsInvalid('session-title-input', t('chair_error_title_long', { max: limits.title }));
  if (codePoints(place) > limits.place) return detailsInvalid('session-place-input', t('chair_error_place_long', { max: limits.place }));
  if (!startsAt) return detailsInvalid('session-starts-input', t('chair_error_starts'));
  const button = byId('session-save');
  button.disabled = true;
  try {
    if (creating) {
      const ack = await command({ type: 'create_session', title, place, starts_at: startsAt }, t('chair_session_created', { title }));
      if (ack) {
        creating = false;
        detailsDirty = false;
        agendaDirty = false;
        await connection.follow(ack.session_id).catch((error) => showError(error));
        refreshSessions();
      }
    } else if (wall.session) {
      const ack = await command({ type: 'update_session', session_id: wall.session.id, title, place, starts_at: startsAt },
        t('chair_session_saved'));
      if (ack) detailsDirty = false;
    }
  } finally {
    button.disabled = false;
    renderDetails();
  }
}

// ---- open and close ---------------------------------------------------------

function askConfirm(kind) {
  const session = wall.session;
  if (!session) return;
  confirming = kind;
  const panel = byId('confirm-panel');
  const action = byId('confirm-action');
  byId('confirm-question').textContent = t(kind === 'open' ? 'chair_confirm_open' : 'chair_confirm_close', { title: session.title });
  action.textContent = t(kind === 'open' ? 'chair_confirm_open_yes' : 'chair_confirm_close_yes');
  action.className = kind === 'close' ? 'danger' : '';
  panel.dataset.kind = kind;
  panel.hidden = false;
  byId('confirm-question').focus();
}

function closeConfirm(restoreFocus = true) {
  const kind = confirming;
  confirming = null;
  byId('confirm-panel').hidden = true;
  if (restoreFocus && kind) {
    const button = byId(kind === 'open' ? 'open-session' : 'close-session');
    (button.hidden ? byId('selected-title') : button).focus();
  }
}

async function confirmAction() {
  const kind = confirming;
  const session = wall.session;
  if (!kind || !session) return;
  const action = byId('confirm-action');
  action.disabled = true;
  const ack = await command({ type: kind === 'open' ? 'open_session' : 'close_session', session_id: session.id },
    t(kind === 'open' ? 'chair_session_opened' : 'chair_session_closed', { title: session.title }));
  action.disabled = false;
  closeConfirm(false);
  const button = byId(kind === 'open' ? 'open-session' : 'close-session');
  (ack || button.hidden ? byId('selected-title') : button).focus();
  refreshSessions();
}

// ---- running the session ----------------------------------------------------

function setCurrentItem(item) {
  const session = wall.session;
  if (!session) return;
  command({ type: 'set_current_item', session_id: session.id, item_id: item.id },
    t('chair_item_set', { item: itemLabel(item) }));
}

function stepItem(step) {
  const session = wall.session;
  if (!session) return;
  const agenda = agendaOf(session);
  const index = agenda.findIndex((item) => item.id === session.current_item_id);
  const target = index < 0 ? agenda[0] : agenda[index + step];
  if (target) setCurrentItem(target);
}

function setWallMode(mode) {
  const session = wall.session;
  if (!session) return;
  command({ type: 'set_wall_mode', session_id: session.id, mode }, t(`chair_wall_is_${mode}`));
}

function setOverlay(event) {
  event.preventDefault();
  const session = wall.session;
  if (!session) return;
  const input = byId('overlay-text');
  const text = input.value.trim();
  const count = codePoints(text);
  if (count === 0) {
    announceError(t('chair_overlay_error_empty'));
    input.focus();
    return;
  }
  if (count > limits.overlay) {
    announceError(t('chair_overlay_error_long', { max: limits.overlay }));
    input.focus();
    return;
  }
  command({ type: 'set_overlay', session_id: session.id, text }, t('chair_overlay_shown', { text }));
}

async function clearOverlay() {
  const session = wall.session;
  if (!session) return;
  const ack = await command({ type: 'set_overlay', session_id: session.id, text: '' }, t('chair_overlay_cleared'));
  if (ack) {
    byId('overlay-text').value = '';
    renderOverlayCount();
  }
}

// ---- connection -------------------------------------------------------------

function renderConnection(state) {
  const status = byId('connection-status');
  status.dataset.state = state;
  status.textContent = t(`connection_${state}`);
}

function connect() {
  if (connection) connection.stop();
  lastHelloError = null;
  const mine = new Connection({
    role: 'chair',
    path: '/ws/staff',   // the server's staff lane: commands are read at once
    followCurrent: false,
    sessionId: wall.session ? wall.session.id : 0,
    onMessage: (message) => { if (connection === mine) handleMessage(message); },
    onState: (state) => {
      if (connection !== mine) return;
      renderConnection(state);
      if (state === 'open') refreshSessions();
      if (state === 'refused') {
        login.expired();
        if (lastHelloError && lastHelloError.code === 'forbidden') byId('login-error').textContent = t('login_wrong_role');
      }
    },
    onHelloError: (error) => {
      lastHelloError = error;
      return 'stop';
    },
  });
  connection = mine;
  renderConnection('connecting');
  mine.start();
}

// ---- wiring -----------------------------------------------------------------

function wire() {
  byId('new-session').addEventListener('click', startCreating);
  byId('session-cancel').addEventListener('click', cancelCreating);
  byId('session-form').addEventListener('submit', saveDetails);
  for (const id of ['session-title-input', 'session-place-input', 'session-starts-input']) {
    byId(id).addEventListener('input', () => {
      detailsDirty = true;
      byId(id).removeAttribute('aria-invalid');
    });
  }
  byId('open-session').addEventListener('click', () => askConfirm('open'));
  byId('close-session').addEventListener('click', () => askConfirm('close'));
  byId('confirm-action').addEventListener('click', confirmAction);
  byId('confirm-cancel').addEventListener('click', () => closeConfirm(true));
  byId('confirm-panel').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeConfirm(true);
  });
  byId('item-prev').addEventListener('click', () => stepItem(-1));
  byId('item-next').addEventListener('click', () => stepItem(1));
  for (const button of document.querySelectorAll('.wall-modes button')) {
    button.addEventListener('click', () => setWallMode(button.dataset.mode));
  }
  byId('overlay-form').addEventListener('submit', setOverlay);
  byId('overlay-clear').addEventListener('click', clearOverlay);
  byId('overlay-text').addEventListener('input', renderOverlayCount);
  byId('agenda-add').addEventListener('click', addRow);
  byId('agenda-save').addEventListener('click', saveAgenda);
  byId('agenda-import').addEventListener('click', importAgenda);
  byId('agenda-import-text').addEventListener('input', () => {
    byId('agenda-import-error').textContent = '';
    byId('agenda-import-text').removeAttribute('aria-invalid');
  });
  onLanguageChange(() => {
    if (connection) renderConnection(connection.state);
    renderAll(true);
    if (confirming) askConfirm(confirming);
  });
}

function main() {
  languageSwitch(byId('language'));
  applyTranslations();
  wire();
  renderOverlayCount();
  // Sessions made by another chair reach this page through no event of the
  // followed session: look again now and then, and when the window regains focus.
  setInterval(refreshSessions, 60000);
  window.addEventListener('focus', () => refreshSessions());
  login = startLogin({
    roles: ['chair'],
    onReady: () => connect(),
    onLogout: () => { if (connection) connection.stop(); },
  });
}

main();
