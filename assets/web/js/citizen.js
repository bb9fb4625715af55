// The citizen page (/): the live session, its wall, and a form to post from a
// phone (docs/protocol.md §2 citizen hello, §5.5 submit_post, §10).
//
// Kept on the device (localStorage): the citizen identity {id, key} the server
// gave at first contact, the display name, and the outbox: posts typed but
// not yet acknowledged by the server. Each post has its client_id from the
// moment it is typed, so sending it again after a reconnection (or a reload)
// can never post it twice: the server answers a known client_id with the
// stored post ("duplicate": true).
//
// User text only ever reaches the page through textContent (el() from dom.js).
import { Connection } from './connection.js';
import { t, addStrings, applyTranslations, languageSwitch, onLanguageChange, language } from './i18n.js';
import { el, byId, codePoints, formatTime, formatDateTime, randomId } from './dom.js';
import { WallState, itemLabel } from './session-state.js';

const storage = {
  identity: 'pleno.citizen',
  author: 'pleno.author',
  outbox: 'pleno.outbox',
};

function load(key, fallback) {
  try {
    const value = localStorage.getItem(key);
    return value === null ? fallback : JSON.parse(value);
  } catch {
    return fallback;
  }
}

function save(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch { /* storage full or disabled: the page still works for this visit */ }
}

// Errors after which a post is given up (the person is told why); any other
// error (store_unavailable, internal_error, a lost connection) keeps it in the
// outbox to be sent again with the same client_id.
const retryLater = new Set(['store_unavailable', 'internal_error', 'connection_lost']);
// Errors about what the person typed: the text goes back into the form.
const giveBackText = new Set(['text_empty', 'text_too_long', 'invalid_name', 'item_not_found', 'bad_request']);
// Reject reasons the server knows by default, with its default English label:
// shown in the reader's language unless the town configured its own label.
const defaultReasonLabels = {
  off_topic: 'Off topic',
  insult: 'Insult or harassment',
  personal_data: 'Personal data of someone',
  advertising: 'Advertising or spam',
  duplicate: 'Already said',
  other: 'Other',
  banned: 'Author banned from this session',
};

// ---- state ------------------------------------------------------------------

const wall = new WallState();
let loaded = false;                 // a snapshot (or /api/session) has been seen
let identity = validIdentity(load(storage.identity, null));
let limits = { post_max_code_points: 280, name_max_code_points: 40 };
let banned = false;
let myPosts = new Map();            // client_id -> post (author view), followed session
let outbox = validOutbox(load(storage.outbox, []));
let failed = [];                    // posts given up this visit: {entry, error}, shown as "not sent"
const inFlight = new Set();         // client_ids sent, answer not yet received
const retryAt = new Map();          // client_id -> time before which it is not resent (rate limit)
let retryTimer = null;
let itemPicked = false;             // the person chose an item in #item themselves
let followedSessionId = 0;
let info = { town: '', moderation_rules: '', privacy_notice: '' };
let formError = null;               // {key, params} or {text}: re-rendered on language change
let formStatus = null;              // {key, params}
let countZone = 'ok';
let itemsSignature = '';

function validIdentity(value) {
  return value && typeof value.id === 'string' && typeof value.key === 'string' && value.id && value.key ? value : null;
}

function validOutbox(value) {
  if (!Array.isArray(value)) return [];
  return value.filter((entry) => entry && typeof entry.client_id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(entry.client_id)
    && typeof entry.author === 'string' && typeof entry.text === 'string'
    && Number.isSafeInteger(entry.session_id) && Number.isSafeInteger(entry.item_id));
}

function saveOutbox() {
  save(storage.outbox, outbox);
}

function removeFromOutbox(clientId) {
  const before = outbox.length;
  outbox = outbox.filter((entry) => entry.client_id !== clientId);
  retryAt.delete(clientId);
  if (outbox.length !== before) saveOutbox();
}

// ---- elements ---------------------------------------------------------------

const form = byId('post-form');
const authorInput = byId('author');
const textInput = byId('text');
const itemSelect = byId('item');
const charCount = byId('char-count');
const connectionStatus = byId('connection-status');

// ---- the connection ---------------------------------------------------------

const connection = new Connection({
  role: 'citizen',
  hello: () => (identity ? { citizen_id: identity.id, citizen_key: identity.key } : {}),
  onMessage: handle,
  onState: (state) => {
    renderConnection();
    if (state === 'open') flush();
  },
  onHelloError: (error) => {
    if (error.code === 'not_authenticated' && identity) {
      // The server does not know this identity (a new database): forget it
      // and ask for a new one.
      identity = null;
      save(storage.identity, null);
      return 'retry';
    }
    return 'stop';
  },
});

function handle(message) {
  switch (message.type) {
    case 'welcome':
      if (message.citizen) {
        identity = validIdentity(message.citizen);
        save(storage.identity, identity);
      }
      if (message.limits) limits = { ...limits, ...message.limits };
      updateCount(false);
      return;
    case 'snapshot': {
      if (message.session_id !== followedSessionId) itemPicked = false;
      followedSessionId = message.session_id;
      wall.apply(message);
      loaded = true;
      myPosts = new Map((message.my_posts || []).map((post) => [post.client_id, post]));
      banned = Boolean(message.banned);
      failed = failed.filter((entry) => !myPosts.has(entry.entry.client_id));
      // Posts the server already stored need not be sent again.
      for (const clientId of myPosts.keys()) removeFromOutbox(clientId);
      render();
      setTimeout(flush, 0);
      return;
    }
    case 'resumed':
      setTimeout(flush, 0);
      return;
    case 'current_session':
    case 'error':
      return;
    default:
      break;
  }
  if (message.session_id !== followedSessionId) return;
  const wallChanged = wall.apply(message);
  if (message.post && message.post.mine) updateMine(message.post, true);
  if (wallChanged || message.post) render();
}

// A post of ours as the server has it now (ack, event or snapshot).
function updateMine(post, announceChange) {
  const before = myPosts.get(post.client_id);
  removeFromOutbox(post.client_id);
  if (post.session_id !== followedSessionId) return;
  myPosts.set(post.client_id, post);
  // A ban rejects the author's pending posts with the reason "banned".
  if (post.status === 'rejected' && post.reject_reason === 'banned') banned = true;
  if (announceChange && before && before.status !== post.status) {
    if (post.status === 'approved') announce(t('citizen_announce_approved'));
    else if (post.status === 'rejected') announce(t('citizen_announce_rejected', { reason: reasonText(post) }));
    else if (post.status === 'hidden') announce(t('citizen_announce_hidden'));
  }
}

// Sends every post of the outbox that is not on its way already.
function flush() {
  if (!connection.isOpen) return;
  const now = Date.now();
  for (const entry of outbox) {
    if (inFlight.has(entry.client_id)) continue;
    if ((retryAt.get(entry.client_id) || 0) > now) continue;
    send(entry);
  }
  renderMyPosts();
}

async function send(entry) {
  const clientId = entry.client_id;
  inFlight.add(clientId);
  try {
    const ack = await connection.request({
      type: 'submit_post', client_id: clientId, author: entry.author, text: entry.text,
      session_id: entry.session_id, item_id: entry.item_id,
    });
    inFlight.delete(clientId);
    removeFromOutbox(clientId);
    if (ack.post) updateMine(ack.post, false);
    if (formStatus && formStatus.clientId === clientId) setFormStatus('citizen_sent', {}, clientId);
    render();
  } catch (error) {
    inFlight.delete(clientId);
    const code = error && error.code;
    if (code === 'connection_lost') {
      renderMyPosts();   // sent again when the connection is back
      return;
    }
    if (code === 'rate_limited') {
      const seconds = Math.max(1, Number(error.details && error.details.retry_after_seconds) || 5);
      retryAt.set(clientId, Date.now() + seconds * 1000);
      scheduleRetry(seconds * 1000);
      setFormError({ key: 'citizen_error_rate_limited', params: { s: seconds } });
      renderMyPosts();
      return;
    }
    if (retryLater.has(code)) {
      retryAt.set(clientId, Date.now() + 3000);
      scheduleRetry(3000);
      setFormError(errorSentence(error));
      renderMyPosts();
      return;
    }
    // Given up: say why, and give the text back when it is something to fix.
    removeFromOutbox(clientId);
    if (code === 'banned') banned = true;
    let restored = false;
    if (giveBackText.has(code) && !textInput.value.trim()) {
      textInput.value = entry.text;
      if (!authorInput.value.trim()) authorInput.value = entry.author;
      updateCount(false);
      restored = true;
    }
    const sentence = errorSentence(error);
    setFormError(restored ? { ...sentence, restored: true } : sentence);
    // Unless its text is back in the form, the post stays in the list as not
    // sent, with the reason (the form, and its error, may be hidden by now).
    if (!restored) failed.push({ entry, error: sentence });
    render();
  }
}

function scheduleRetry(delay) {
  clearTimeout(retryTimer);
  const earliest = Math.min(...[...retryAt.values()].map((at) => at - Date.now()), delay);
  retryTimer = setTimeout(() => {
    const now = Date.now();
    for (const [clientId, at] of retryAt) if (at <= now) retryAt.delete(clientId);
    flush();
    if (retryAt.size) scheduleRetry(1000);
  }, Math.max(100, earliest + 50));
}

function errorSentence(error) {
  const code = error && error.code;
  const key = `citizen_error_${code}`;
  const translated = t(key, { max: limits.post_max_code_points, name: limits.name_max_code_points });
  if (translated !== key) return { key, params: { max: limits.post_max_code_points, name: limits.name_max_code_points } };
  return { key: 'citizen_error_generic', params: { message: (error && error.message) || code || '' } };
}

// ---- the form -----------------------------------------------------------------

function isLive() {
  return Boolean(wall.session && wall.session.state === 'live');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  setFormError(null);
  const author = authorInput.value.trim();
  const text = textInput.value;
  const nameLength = codePoints(author);
  const textLength = codePoints(text);
  authorInput.removeAttribute('aria-invalid');
  textInput.removeAttribute('aria-invalid');
  if (nameLength === 0) return refuse(authorInput, { key: 'citizen_error_author_empty' });
  if (nameLength > limits.name_max_code_points) {
    return refuse(authorInput, { key: 'citizen_error_invalid_name', params: { name: limits.name_max_code_points } });
  }
  if (textLength === 0) return refuse(textInput, { key: 'citizen_error_text_empty' });
  if (textLength > limits.post_max_code_points) {
    return refuse(textInput, { key: 'citizen_error_text_too_long', params: { max: limits.post_max_code_points } });
  }
  if (!isLive() || banned) return undefined;

  save(storage.author, author);
  const entry = {
    client_id: randomId(16),
    author,
    text,
    session_id: wall.session.id,
    item_id: Number(itemSelect.value) || 0,
    created_at: Date.now(),
  };
  outbox.push(entry);
  saveOutbox();
  textInput.value = '';
  updateCount(false);
  setFormStatus(connection.isOpen ? 'citizen_sending' : 'citizen_queued_note', {}, entry.client_id);
  renderMyPosts();
  flush();
  return undefined;
});

function refuse(input, error) {
  input.setAttribute('aria-invalid', 'true');
  setFormError(error);
  input.focus();
}

textInput.addEventListener('input', () => updateCount(true));
authorInput.addEventListener('change', () => {
  const author = authorInput.value.trim();
  if (author) save(storage.author, author);
});
itemSelect.addEventListener('change', () => {
  const current = wall.session ? wall.session.current_item_id : 0;
  itemPicked = Number(itemSelect.value) !== current;
});

// The live count of characters, counted as the server counts them.
function updateCount(announceZone) {
  const max = limits.post_max_code_points;
  const count = codePoints(textInput.value);
  const over = count - max;
  let zone = 'ok';
  if (over > 0) zone = 'over';
  else if (max - count <= 20) zone = 'near';
  charCount.dataset.state = zone;
  if (over > 0) {
    charCount.textContent = t(over === 1 ? 'citizen_count_over_one' : 'citizen_count_over', { n: count, max, over });
    textInput.setAttribute('aria-invalid', 'true');
  } else {
    charCount.textContent = t('citizen_count', { n: count, max });
    if (textInput.getAttribute('aria-invalid') === 'true') textInput.removeAttribute('aria-invalid');
  }
  // Screen readers hear the count only when it matters: near and over the limit.
  if (announceZone && zone !== countZone) {
    if (zone === 'over') announce(charCount.textContent);
    else if (zone === 'near') announce(t('citizen_count_left', { left: max - count }));
  }
  countZone = zone;
}

function setFormError(error) {
  formError = error;
  renderFormError();
}

function renderFormError() {
  const box = byId('form-error');
  if (!formError) {
    box.textContent = '';
    return;
  }
  let sentence = t(formError.key, formError.params || {});
  if (formError.restored) sentence += ` ${t('citizen_error_restored')}`;
  box.textContent = sentence;
}

function setFormStatus(key, params, clientId) {
  formStatus = key ? { key, params, clientId } : null;
  byId('form-status').textContent = key ? t(key, params) : '';
}

function announce(text) {
  const announcer = byId('announcer');
  announcer.textContent = '';
  // A fresh text node so that the same sentence twice is read twice.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// ---- rendering ----------------------------------------------------------------

function render() {
  renderHeader();
  renderMode();
  renderCurrent();
  renderItems();
  renderMyPosts();
  renderWall();
  renderNoSession();
}

function townName() {
  // "Pleno" is the server's default town name: the name of the program, not a town.
  return info.town && info.town !== 'Pleno' ? info.town : '';
}

function renderHeader() {
  const session = wall.session;
  byId('town').textContent = townName();
  byId('session-title').textContent = session ? session.title : (townName() || 'Pleno');
  const meta = [];
  if (session) {
    if (session.place) meta.push(session.place);
    meta.push(t(`state_${session.state}`));
  }
  byId('session-meta').textContent = meta.join(' · ');
  document.title = session ? `${session.title} · Pleno` : 'Pleno';
}

function renderConnection() {
  const state = connection.state;
  connectionStatus.dataset.state = state;
  connectionStatus.textContent = state === 'refused' ? t('citizen_connection_refused') : t(`connection_${state}`);
  byId('offline-hint').hidden = state === 'open';
}

function renderMode() {
  const live = isLive();
  byId('no-session').hidden = !loaded || live;
  byId('current').hidden = !live;
  byId('compose').hidden = !live;
  form.hidden = !live || banned;
  byId('banned-note').hidden = !banned;
  byId('mine').hidden = !live && myPosts.size === 0 && outbox.length === 0 && failed.length === 0;
  byId('wall-section').hidden = !live && wall.posts.size === 0;
}

function renderCurrent() {
  const item = wall.currentItem();
  const label = item ? itemLabel(item) : t('no_item');
  const current = byId('current-item');
  if (current.textContent !== label) current.textContent = label;
  byId('current-description').textContent = item ? item.description || '' : '';
  const overlay = byId('overlay');
  const text = wall.session ? wall.session.overlay || '' : '';
  overlay.hidden = !text;
  overlay.replaceChildren(...(text ? [el('span', { class: 'overlay-label', text: t('citizen_overlay_label') }), ' ', el('span', { text })] : []));
}

function renderItems() {
  const session = wall.session;
  const agenda = (session && session.agenda) || [];
  const current = session ? session.current_item_id : 0;
  byId('item-field').hidden = agenda.length === 0;
  const signature = JSON.stringify([language(), current, agenda.map((item) => [item.id, item.number, item.title])]);
  if (signature === itemsSignature) {
    // Nothing to rebuild (rebuilding would disturb someone using the list).
    if (!itemPicked && itemSelect.value !== String(current) && agenda.some((item) => item.id === current)) itemSelect.value = String(current);
    return;
  }
  itemsSignature = signature;
  const wanted = itemPicked ? Number(itemSelect.value) : current;
  const options = [];
  if (!agenda.some((item) => item.id === current)) {
    options.push(el('option', { text: t('citizen_item_none'), attrs: { value: '0' } }));
  }
  for (const item of agenda) {
    const label = itemLabel(item);
    options.push(el('option', {
      text: item.id === current ? t('citizen_item_now', { label }) : label,
      attrs: { value: String(item.id) },
    }));
  }
  itemSelect.replaceChildren(...options);
  const values = options.map((option) => option.value);
  if (values.includes(String(wanted))) {
    itemSelect.value = String(wanted);
  } else {
    itemPicked = false;
    itemSelect.value = values.includes(String(current)) ? String(current) : values[0] || '';
  }
}

function reasonText(post) {
  const code = post.reject_reason || '';
  let label = post.reject_label || '';
  if (code in defaultReasonLabels && (!label || label === defaultReasonLabels[code])) label = t(`citizen_reason_${code}`);
  return [label, post.reject_detail].filter(Boolean).join(' — ');
}

function itemText(itemId) {
  const item = wall.item(itemId);
  return item ? itemLabel(item) : '';
}

function myPostElement({ clientId, status, statusText, post, reason }) {
  const item = itemText(post.item_id);
  return el('li', { class: 'my-post', dataset: { clientId, status } },
    el('p', { class: 'status' }, el('span', { class: 'status-badge', text: statusText })),
    reason ? el('p', { class: 'reason', text: status === 'failed' ? reason : t('citizen_reason', { reason }) }) : null,
    el('p', { class: 'post-text', text: post.text }),
    el('p', { class: 'post-meta' },
      el('span', { class: 'post-author', text: post.author }),
      item ? el('span', { class: 'post-item', text: item }) : null));
}

function renderMyPosts() {
  const entries = [];
  for (const entry of [...outbox].reverse()) {
    let key = 'citizen_status_queued';
    if (connection.isOpen && inFlight.has(entry.client_id)) key = 'citizen_status_sending';
    else if (connection.isOpen && retryAt.has(entry.client_id)) key = 'citizen_status_retry';
    entries.push(myPostElement({ clientId: entry.client_id, status: 'queued', statusText: t(key), post: entry }));
  }
  for (const { entry, error } of [...failed].reverse()) {
    entries.push(myPostElement({ clientId: entry.client_id, status: 'failed', statusText: t('citizen_status_failed'),
      post: entry, reason: t(error.key, error.params || {}) }));
  }
  const posts = [...myPosts.values()].sort((a, b) => (b.submitted_at - a.submitted_at) || (b.id - a.id));
  for (const post of posts) {
    const status = ['pending', 'approved', 'rejected', 'hidden'].includes(post.status) ? post.status : 'pending';
    entries.push(myPostElement({
      clientId: post.client_id,
      status,
      statusText: t(`citizen_status_${status}`),
      post,
      reason: status === 'rejected' ? reasonText(post) : '',
    }));
  }
  byId('my-posts').replaceChildren(...entries);
  byId('my-posts-empty').hidden = entries.length > 0;
  byId('mine').hidden = !isLive() && entries.length === 0;
}

function renderWall() {
  const pinnedId = wall.session ? wall.session.pinned_post_id : 0;
  const posts = wall.wallPosts();
  posts.sort((a, b) => Number(b.id === pinnedId) - Number(a.id === pinnedId));
  const lang = language();
  byId('wall').replaceChildren(...posts.map((post) => {
    const pinned = post.id === pinnedId;
    const item = itemText(post.item_id);
    return el('li', { class: 'post', dataset: { postId: String(post.id), pinned: pinned ? 'true' : 'false' } },
      pinned ? el('p', { class: 'pinned-badge', text: t('citizen_pinned') }) : null,
      el('p', { class: 'post-text', text: post.text }),
      el('p', { class: 'post-meta' },
        el('span', { class: 'post-author', text: post.author }),
        item ? el('span', { class: 'post-item', text: item }) : null,
        post.approved_at ? el('time', { class: 'post-time', text: formatTime(post.approved_at, lang),
          attrs: { datetime: new Date(post.approved_at).toISOString() } }) : null));
  }));
  byId('wall-empty').hidden = posts.length > 0;
}

function renderNoSession() {
  const session = wall.session;
  const box = byId('next-session');
  if (isLive()) {
    box.replaceChildren();
    return;
  }
  const parts = [];
  if (session && session.state === 'scheduled') {
    parts.push(el('h3', { text: t('citizen_next_session') }));
    parts.push(el('p', { class: 'next-title', text: session.title }));
    parts.push(el('p', { class: 'next-date' },
      el('span', { class: 'label', text: t('citizen_starts') }), ' ',
      el('time', { text: formatDateTime(session.starts_at, language()),
        attrs: { datetime: new Date(session.starts_at).toISOString() } })));
    if (session.place) {
      parts.push(el('p', { class: 'next-place' }, el('span', { class: 'label', text: t('citizen_place') }), ' ', session.place));
    }
    if (session.agenda && session.agenda.length) {
      parts.push(el('h3', { text: t('citizen_agenda') }));
      parts.push(el('ol', { class: 'agenda' }, ...session.agenda.map((item) => el('li', {},
        el('span', { class: 'agenda-title', text: itemLabel(item) }),
        item.description ? el('span', { class: 'agenda-description', text: item.description }) : null))));
    }
  } else {
    if (session && session.state === 'closed') parts.push(el('p', { text: t('citizen_session_ended', { title: session.title }) }));
    parts.push(el('p', { text: t('citizen_no_next') }));
  }
  box.replaceChildren(...parts);
}

function renderAbout() {
  byId('about-town').textContent = townName() || t('citizen_about_town_default');
  byId('about-rules').textContent = info.moderation_rules || t('citizen_about_rules_default');
  const privacy = byId('about-privacy');
  privacy.textContent = info.privacy_notice || '';
  privacy.hidden = !info.privacy_notice;
}

function renderAll() {
  applyTranslations();
  renderConnection();
  renderAbout();
  renderFormError();
  if (formStatus) byId('form-status').textContent = t(formStatus.key, formStatus.params);
  updateCount(false);
  render();
}

// ---- the town's texts from /api/session -----------------------------------------

async function loadInfo() {
  try {
    const response = await fetch('/api/session', { cache: 'no-store' });
    if (!response.ok) return;
    const body = await response.json();
    info = {
      town: typeof body.town === 'string' ? body.town : '',
      moderation_rules: typeof body.moderation_rules === 'string' ? body.moderation_rules : '',
      privacy_notice: typeof body.privacy_notice === 'string' ? body.privacy_notice : '',
    };
    // Show the session at once; the WebSocket snapshot replaces this.
    if (!loaded) {
      wall.apply({ type: 'snapshot', session: body.session, posts: body.posts || [] });
      followedSessionId = body.session_id || 0;
      loaded = true;
    }
    renderAbout();
    render();
  } catch { /* the WebSocket brings the session anyway */ }
}

// ---- strings --------------------------------------------------------------------

addStrings({
  es: {
    citizen_skip: 'Ir a escribir un mensaje',
    citizen_current_heading: 'Ahora se debate',
    citizen_overlay_label: 'Aviso:',
    citizen_compose_heading: 'Escriba su mensaje',
    citizen_compose_intro: 'Su mensaje saldrá en la pantalla de la sala cuando lo apruebe la moderación.',
    citizen_author_label: 'Su nombre',
    citizen_author_hint: 'Aparece junto a su mensaje. Solo se guarda en este dispositivo.',
    citizen_text_label: 'Mensaje',
    citizen_count: '{n} de {max} caracteres',
    citizen_count_over: 'Demasiado largo: sobran {over} caracteres ({n} de {max})',
    citizen_count_over_one: 'Demasiado largo: sobra 1 carácter ({n} de {max})',
    citizen_count_left: 'Quedan {left} caracteres',
    citizen_item_label: 'Sobre el punto del orden del día',
    citizen_item_hint: 'Si no elige otro, el que se debate ahora.',
    citizen_item_now: '{label} (ahora)',
    citizen_item_none: 'Ningún punto en concreto',
    citizen_send: 'Enviar',
    citizen_offline_hint: 'Sin conexión: si lo envía ahora, el mensaje se guarda y se enviará solo cuando vuelva la conexión.',
    citizen_sending: 'Enviando su mensaje…',
    citizen_sent: 'Mensaje enviado. Ahora espera la moderación.',
    citizen_queued_note: 'Mensaje guardado. Se enviará cuando vuelva la conexión.',
    citizen_banned: 'Ya no puede enviar mensajes en esta sesión: la moderación ha cerrado la participación para usted.',
    citizen_my_posts_heading: 'Sus mensajes',
    citizen_my_posts_empty: 'Todavía no ha enviado ningún mensaje en esta sesión.',
    citizen_status_queued: 'En espera: se enviará cuando vuelva la conexión',
    citizen_status_sending: 'Enviando…',
    citizen_status_retry: 'Se enviará dentro de unos segundos',
    citizen_status_pending: 'Esperando la moderación',
    citizen_status_approved: 'Publicado en la pantalla',
    citizen_status_rejected: 'No publicado',
    citizen_status_hidden: 'Retirado de la pantalla',
    citizen_status_failed: 'No enviado',
    citizen_reason: 'Motivo: {reason}',
    citizen_reason_off_topic: 'No trata del asunto de la sesión',
    citizen_reason_insult: 'Insulto o acoso',
    citizen_reason_personal_data: 'Datos personales de otra persona',
    citizen_reason_advertising: 'Publicidad o spam',
    citizen_reason_duplicate: 'Ya se ha dicho',
    citizen_reason_other: 'Otro motivo',
    citizen_reason_banned: 'Participación cerrada para usted en esta sesión',
    citizen_announce_approved: 'Su mensaje ya sale en la pantalla.',
    citizen_announce_rejected: 'Su mensaje no se ha publicado. Motivo: {reason}',
    citizen_announce_hidden: 'Su mensaje se ha retirado de la pantalla.',
    citizen_wall_heading: 'En la pantalla de la sala',
    citizen_wall_empty: 'Todavía no hay mensajes publicados.',
    citizen_pinned: 'Destacado',
    citizen_no_session_heading: 'Ahora no hay ninguna sesión en directo',
    citizen_next_session: 'Próxima sesión',
    citizen_starts: 'Empieza:',
    citizen_place: 'Lugar:',
    citizen_agenda: 'Orden del día',
    citizen_no_next: 'Todavía no hay ninguna sesión programada.',
    citizen_session_ended: 'La sesión «{title}» ha terminado.',
    citizen_posting_opens: 'Podrá enviar mensajes cuando empiece la sesión.',
    citizen_about_heading: 'Cómo funciona',
    citizen_about_intro: 'Todos los mensajes pasan por moderación: una persona los lee antes de que salgan en la pantalla de la sala.',
    citizen_about_who: 'Quién modera',
    citizen_about_town_default: 'El ayuntamiento',
    citizen_about_rules: 'Normas',
    citizen_about_rules_default: 'Se publican los mensajes respetuosos sobre los asuntos de la sesión. No se publican insultos, datos personales de nadie, publicidad ni mensajes repetidos.',
    citizen_about_privacy: 'Qué se guarda sobre usted',
    citizen_about_privacy_default: 'El nombre que escriba, sus mensajes y lo que la moderación decida sobre ellos, y un código aleatorio guardado en este dispositivo para mostrarle qué ha pasado con sus mensajes. No hace falta cuenta, ni teléfono, ni correo electrónico.',
    citizen_connection_refused: 'El servidor no acepta la conexión. Vuelva a cargar la página.',
    citizen_error_author_empty: 'Escriba su nombre: aparece junto al mensaje.',
    citizen_error_invalid_name: 'El nombre debe tener entre 1 y {name} caracteres.',
    citizen_error_text_empty: 'Escriba su mensaje antes de enviarlo.',
    citizen_error_text_too_long: 'El mensaje es demasiado largo: puede tener como máximo {max} caracteres. Acórtelo y vuelva a enviarlo.',
    citizen_error_rate_limited: 'Está enviando mensajes muy seguidos. Su mensaje se enviará solo dentro de {s} segundos.',
    citizen_error_posting_not_open: 'Todavía no se pueden enviar mensajes: podrá hacerlo cuando empiece la sesión.',
    citizen_error_session_closed: 'La sesión ha terminado y ya no se admiten mensajes.',
    citizen_error_no_live_session: 'Ahora no hay ninguna sesión en directo.',
    citizen_error_session_not_found: 'Esa sesión ya no existe.',
    citizen_error_item_not_found: 'Ese punto ya no está en el orden del día. Elija otro y vuelva a enviar el mensaje.',
    citizen_error_banned: 'Ya no puede enviar mensajes en esta sesión.',
    citizen_error_store_unavailable: 'El servidor no ha podido guardar su mensaje. Se volverá a intentar solo.',
    citizen_error_internal_error: 'Ha fallado algo en el servidor. Se volverá a intentar solo.',
    citizen_error_generic: 'No se ha podido enviar el mensaje ({message}).',
    citizen_error_restored: 'Le hemos devuelto el texto al formulario.',
  },
  ca: {
    citizen_skip: 'Anar a escriure un missatge',
    citizen_current_heading: 'Ara es debat',
    citizen_overlay_label: 'Avís:',
    citizen_compose_heading: 'Escriviu el vostre missatge',
    citizen_compose_intro: 'El vostre missatge sortirà a la pantalla de la sala quan la moderació l’aprovi.',
    citizen_author_label: 'El vostre nom',
    citizen_author_hint: 'Apareix al costat del missatge. Només es desa en aquest dispositiu.',
    citizen_text_label: 'Missatge',
    citizen_count: '{n} de {max} caràcters',
    citizen_count_over: 'Massa llarg: sobren {over} caràcters ({n} de {max})',
    citizen_count_over_one: 'Massa llarg: sobra 1 caràcter ({n} de {max})',
    citizen_count_left: 'Queden {left} caràcters',
    citizen_item_label: 'Sobre el punt de l’ordre del dia',
    citizen_item_hint: 'Si no en trieu cap altre, el que es debat ara.',
    citizen_item_now: '{label} (ara)',
    citizen_item_none: 'Cap punt en concret',
    citizen_send: 'Envia',
    citizen_offline_hint: 'Sense connexió: si l’envieu ara, el missatge es desa i s’enviarà sol quan torni la connexió.',
    citizen_sending: 'S’està enviant el missatge…',
    citizen_sent: 'Missatge enviat. Ara està pendent de moderació.',
    citizen_queued_note: 'Missatge desat. S’enviarà quan torni la connexió.',
    citizen_banned: 'Ja no podeu enviar missatges en aquesta sessió: la moderació us ha tancat la participació.',
    citizen_my_posts_heading: 'Els vostres missatges',
    citizen_my_posts_empty: 'Encara no heu enviat cap missatge en aquesta sessió.',
    citizen_status_queued: 'En espera: s’enviarà quan torni la connexió',
    citizen_status_sending: 'S’està enviant…',
    citizen_status_retry: 'S’enviarà d’aquí a uns segons',
    citizen_status_pending: 'Pendent de moderació',
    citizen_status_approved: 'Publicat a la pantalla',
    citizen_status_rejected: 'No publicat',
    citizen_status_hidden: 'Retirat de la pantalla',
    citizen_status_failed: 'No enviat',
    citizen_reason: 'Motiu: {reason}',
    citizen_reason_off_topic: 'No tracta de l’assumpte de la sessió',
    citizen_reason_insult: 'Insult o assetjament',
    citizen_reason_personal_data: 'Dades personals d’una altra persona',
    citizen_reason_advertising: 'Publicitat o correu brossa',
    citizen_reason_duplicate: 'Ja s’ha dit',
    citizen_reason_other: 'Un altre motiu',
    citizen_reason_banned: 'Participació tancada per a vós en aquesta sessió',
    citizen_announce_approved: 'El vostre missatge ja surt a la pantalla.',
    citizen_announce_rejected: 'El vostre missatge no s’ha publicat. Motiu: {reason}',
    citizen_announce_hidden: 'El vostre missatge s’ha retirat de la pantalla.',
    citizen_wall_heading: 'A la pantalla de la sala',
    citizen_wall_empty: 'Encara no hi ha missatges publicats.',
    citizen_pinned: 'Destacat',
    citizen_no_session_heading: 'Ara no hi ha cap sessió en directe',
    citizen_next_session: 'Propera sessió',
    citizen_starts: 'Comença:',
    citizen_place: 'Lloc:',
    citizen_agenda: 'Ordre del dia',
    citizen_no_next: 'Encara no hi ha cap sessió programada.',
    citizen_session_ended: 'La sessió «{title}» ha acabat.',
    citizen_posting_opens: 'Podreu enviar missatges quan comenci la sessió.',
    citizen_about_heading: 'Com funciona',
    citizen_about_intro: 'Tots els missatges passen per moderació: una persona els llegeix abans que surtin a la pantalla de la sala.',
    citizen_about_who: 'Qui modera',
    citizen_about_town_default: 'L’ajuntament',
    citizen_about_rules: 'Normes',
    citizen_about_rules_default: 'Es publiquen els missatges respectuosos sobre els assumptes de la sessió. No es publiquen insults, dades personals de ningú, publicitat ni missatges repetits.',
    citizen_about_privacy: 'Què es guarda sobre vós',
    citizen_about_privacy_default: 'El nom que escriviu, els vostres missatges i el que la moderació decideixi sobre ells, i un codi aleatori desat en aquest dispositiu per mostrar-vos què ha passat amb els vostres missatges. No cal compte, ni telèfon, ni correu electrònic.',
    citizen_connection_refused: 'El servidor no accepta la connexió. Torneu a carregar la pàgina.',
    citizen_error_author_empty: 'Escriviu el vostre nom: apareix al costat del missatge.',
    citizen_error_invalid_name: 'El nom ha de tenir entre 1 i {name} caràcters.',
    citizen_error_text_empty: 'Escriviu el missatge abans d’enviar-lo.',
    citizen_error_text_too_long: 'El missatge és massa llarg: pot tenir com a màxim {max} caràcters. Escurceu-lo i torneu-lo a enviar.',
    citizen_error_rate_limited: 'Esteu enviant missatges molt seguits. El missatge s’enviarà sol d’aquí a {s} segons.',
    citizen_error_posting_not_open: 'Encara no es poden enviar missatges: podreu fer-ho quan comenci la sessió.',
    citizen_error_session_closed: 'La sessió ha acabat i ja no s’admeten missatges.',
    citizen_error_no_live_session: 'Ara no hi ha cap sessió en directe.',
    citizen_error_session_not_found: 'Aquesta sessió ja no existeix.',
    citizen_error_item_not_found: 'Aquest punt ja no és a l’ordre del dia. Trieu-ne un altre i torneu a enviar el missatge.',
    citizen_error_banned: 'Ja no podeu enviar missatges en aquesta sessió.',
    citizen_error_store_unavailable: 'El servidor no ha pogut desar el missatge. Es tornarà a provar sol.',
    citizen_error_internal_error: 'Alguna cosa ha fallat al servidor. Es tornarà a provar sol.',
    citizen_error_generic: 'No s’ha pogut enviar el missatge ({message}).',
    citizen_error_restored: 'Us hem tornat el text al formulari.',
  },
  fr: {
    citizen_skip: 'Aller à l’écriture d’un message',
    citizen_current_heading: 'En débat maintenant',
    citizen_overlay_label: 'Annonce :',
    citizen_compose_heading: 'Écrivez votre message',
    citizen_compose_intro: 'Votre message s’affichera sur l’écran de la salle une fois approuvé par la modération.',
    citizen_author_label: 'Votre nom',
    citizen_author_hint: 'Il s’affiche avec votre message. Il n’est enregistré que sur cet appareil.',
    citizen_text_label: 'Message',
    citizen_count: '{n} caractères sur {max}',
    citizen_count_over: 'Trop long : {over} caractères en trop ({n} sur {max})',
    citizen_count_over_one: 'Trop long : 1 caractère en trop ({n} sur {max})',
    citizen_count_left: 'Il reste {left} caractères',
    citizen_item_label: 'Point de l’ordre du jour concerné',
    citizen_item_hint: 'Par défaut, celui qui est en débat.',
    citizen_item_now: '{label} (en ce moment)',
    citizen_item_none: 'Aucun point en particulier',
    citizen_send: 'Envoyer',
    citizen_offline_hint: 'Hors ligne : si vous l’envoyez maintenant, le message est gardé et partira tout seul au retour de la connexion.',
    citizen_sending: 'Envoi de votre message…',
    citizen_sent: 'Message envoyé. Il attend maintenant la modération.',
    citizen_queued_note: 'Message gardé. Il partira au retour de la connexion.',
    citizen_banned: 'Vous ne pouvez plus envoyer de messages pendant cette séance : la modération a fermé la participation pour vous.',
    citizen_my_posts_heading: 'Vos messages',
    citizen_my_posts_empty: 'Vous n’avez encore envoyé aucun message pendant cette séance.',
    citizen_status_queued: 'En attente : il partira au retour de la connexion',
    citizen_status_sending: 'Envoi…',
    citizen_status_retry: 'Il partira dans quelques secondes',
    citizen_status_pending: 'En attente de modération',
    citizen_status_approved: 'Affiché sur l’écran',
    citizen_status_rejected: 'Non publié',
    citizen_status_hidden: 'Retiré de l’écran',
    citizen_status_failed: 'Non envoyé',
    citizen_reason: 'Motif : {reason}',
    citizen_reason_off_topic: 'Hors sujet',
    citizen_reason_insult: 'Insulte ou harcèlement',
    citizen_reason_personal_data: 'Données personnelles d’un tiers',
    citizen_reason_advertising: 'Publicité ou spam',
    citizen_reason_duplicate: 'Déjà dit',
    citizen_reason_other: 'Autre motif',
    citizen_reason_banned: 'Participation fermée pour vous pendant cette séance',
    citizen_announce_approved: 'Votre message est maintenant affiché sur l’écran.',
    citizen_announce_rejected: 'Votre message n’a pas été publié. Motif : {reason}',
    citizen_announce_hidden: 'Votre message a été retiré de l’écran.',
    citizen_wall_heading: 'Sur l’écran de la salle',
    citizen_wall_empty: 'Aucun message publié pour l’instant.',
    citizen_pinned: 'À la une',
    citizen_no_session_heading: 'Aucune séance en direct pour le moment',
    citizen_next_session: 'Prochaine séance',
    citizen_starts: 'Début :',
    citizen_place: 'Lieu :',
    citizen_agenda: 'Ordre du jour',
    citizen_no_next: 'Aucune séance n’est prévue pour l’instant.',
    citizen_session_ended: 'La séance « {title} » est terminée.',
    citizen_posting_opens: 'Vous pourrez envoyer des messages dès le début de la séance.',
    citizen_about_heading: 'Comment ça marche',
    citizen_about_intro: 'Tous les messages sont modérés : une personne les lit avant qu’ils n’apparaissent sur l’écran de la salle.',
    citizen_about_who: 'Qui modère',
    citizen_about_town_default: 'La mairie',
    citizen_about_rules: 'Règles',
    citizen_about_rules_default: 'Les messages respectueux sur les sujets de la séance sont publiés. Les insultes, les données personnelles de qui que ce soit, la publicité et les messages répétés ne le sont pas.',
    citizen_about_privacy: 'Ce qui est conservé sur vous',
    citizen_about_privacy_default: 'Le nom que vous saisissez, vos messages et les décisions de la modération à leur sujet, ainsi qu’un code aléatoire gardé sur cet appareil pour vous montrer ce que sont devenus vos messages. Ni compte, ni numéro de téléphone, ni adresse e-mail.',
    citizen_connection_refused: 'Le serveur refuse la connexion. Rechargez la page.',
    citizen_error_author_empty: 'Indiquez votre nom : il s’affiche avec le message.',
    citizen_error_invalid_name: 'Le nom doit compter entre 1 et {name} caractères.',
    citizen_error_text_empty: 'Écrivez votre message avant de l’envoyer.',
    citizen_error_text_too_long: 'Le message est trop long : {max} caractères au maximum. Raccourcissez-le puis renvoyez-le.',
    citizen_error_rate_limited: 'Vous envoyez des messages trop rapprochés. Votre message partira tout seul dans {s} secondes.',
    citizen_error_posting_not_open: 'Il n’est pas encore possible d’envoyer des messages : ce sera possible dès le début de la séance.',
    citizen_error_session_closed: 'La séance est terminée : les messages ne sont plus acceptés.',
    citizen_error_no_live_session: 'Aucune séance n’est en direct pour le moment.',
    citizen_error_session_not_found: 'Cette séance n’existe plus.',
    citizen_error_item_not_found: 'Ce point n’est plus à l’ordre du jour. Choisissez-en un autre et renvoyez le message.',
    citizen_error_banned: 'Vous ne pouvez plus envoyer de messages pendant cette séance.',
    citizen_error_store_unavailable: 'Le serveur n’a pas pu enregistrer votre message. Il réessaiera tout seul.',
    citizen_error_internal_error: 'Un problème est survenu sur le serveur. Il réessaiera tout seul.',
    citizen_error_generic: 'Le message n’a pas pu être envoyé ({message}).',
    citizen_error_restored: 'Votre texte a été remis dans le formulaire.',
  },
  en: {
    citizen_skip: 'Skip to writing a message',
    citizen_current_heading: 'Now under debate',
    citizen_overlay_label: 'Notice:',
    citizen_compose_heading: 'Write your message',
    citizen_compose_intro: 'Your message will appear on the screen in the chamber once the moderators approve it.',
    citizen_author_label: 'Your name',
    citizen_author_hint: 'Shown with your message. Kept only on this device.',
    citizen_text_label: 'Message',
    citizen_count: '{n} of {max} characters',
    citizen_count_over: 'Too long: {over} characters too many ({n} of {max})',
    citizen_count_over_one: 'Too long: 1 character too many ({n} of {max})',
    citizen_count_left: '{left} characters left',
    citizen_item_label: 'About the agenda item',
    citizen_item_hint: 'Unless you choose another, the one under debate now.',
    citizen_item_now: '{label} (now)',
    citizen_item_none: 'No particular item',
    citizen_send: 'Send',
    citizen_offline_hint: 'Offline: if you send it now, your message is kept and sent automatically when the connection returns.',
    citizen_sending: 'Sending your message…',
    citizen_sent: 'Message sent. It is now waiting for moderation.',
    citizen_queued_note: 'Message kept. It will be sent when the connection returns.',
    citizen_banned: 'You can no longer post in this session: the moderators have closed posting for you.',
    citizen_my_posts_heading: 'Your messages',
    citizen_my_posts_empty: 'You have not sent any message in this session yet.',
    citizen_status_queued: 'Queued: it will be sent when the connection returns',
    citizen_status_sending: 'Sending…',
    citizen_status_retry: 'It will be sent in a few seconds',
    citizen_status_pending: 'Waiting for moderation',
    citizen_status_approved: 'Shown on the wall',
    citizen_status_rejected: 'Not published',
    citizen_status_hidden: 'Removed from the wall',
    citizen_status_failed: 'Not sent',
    citizen_reason: 'Reason: {reason}',
    citizen_reason_off_topic: 'Off topic',
    citizen_reason_insult: 'Insult or harassment',
    citizen_reason_personal_data: 'Personal data of someone',
    citizen_reason_advertising: 'Advertising or spam',
    citizen_reason_duplicate: 'Already said',
    citizen_reason_other: 'Other',
    citizen_reason_banned: 'Posting closed for you in this session',
    citizen_announce_approved: 'Your message is now shown on the wall.',
    citizen_announce_rejected: 'Your message was not published. Reason: {reason}',
    citizen_announce_hidden: 'Your message was removed from the wall.',
    citizen_wall_heading: 'On the screen in the chamber',
    citizen_wall_empty: 'No messages on the wall yet.',
    citizen_pinned: 'Pinned',
    citizen_no_session_heading: 'No session is live right now',
    citizen_next_session: 'Next session',
    citizen_starts: 'Starts:',
    citizen_place: 'Place:',
    citizen_agenda: 'Agenda',
    citizen_no_next: 'No session has been scheduled yet.',
    citizen_session_ended: 'The session “{title}” has ended.',
    citizen_posting_opens: 'You can send messages once the session starts.',
    citizen_about_heading: 'How it works',
    citizen_about_intro: 'Every message is moderated: a person reads it before it appears on the screen in the chamber.',
    citizen_about_who: 'Who moderates',
    citizen_about_town_default: 'The town council',
    citizen_about_rules: 'Rules',
    citizen_about_rules_default: 'Respectful messages about the business of the session are published. Insults, anyone’s personal data, advertising and repeated messages are not.',
    citizen_about_privacy: 'What is kept about you',
    citizen_about_privacy_default: 'The name you type, your messages and the moderators’ decisions on them, and a random code kept on this device so that we can show you what happened to your messages. No account, no phone number, no email address.',
    citizen_connection_refused: 'The server refuses the connection. Please reload the page.',
    citizen_error_author_empty: 'Please type your name: it is shown with your message.',
    citizen_error_invalid_name: 'The name must have 1 to {name} characters.',
    citizen_error_text_empty: 'Please write your message before sending it.',
    citizen_error_text_too_long: 'The message is too long: it can have at most {max} characters. Please shorten it and send it again.',
    citizen_error_rate_limited: 'You are sending messages too quickly. Your message will be sent automatically in {s} seconds.',
    citizen_error_posting_not_open: 'Posting is not open yet: you can send messages once the session starts.',
    citizen_error_session_closed: 'The session has ended; messages are no longer accepted.',
    citizen_error_no_live_session: 'No session is live right now.',
    citizen_error_session_not_found: 'That session no longer exists.',
    citizen_error_item_not_found: 'That item is no longer on the agenda. Please choose another and send the message again.',
    citizen_error_banned: 'You can no longer post in this session.',
    citizen_error_store_unavailable: 'The server could not save your message. It will try again by itself.',
    citizen_error_internal_error: 'Something went wrong on the server. It will try again by itself.',
    citizen_error_generic: 'The message could not be sent ({message}).',
    citizen_error_restored: 'Your text is back in the form.',
  },
});

// ---- start (after the strings) ---------------------------------------------------

languageSwitch(byId('language'));
onLanguageChange(renderAll);
const savedAuthor = load(storage.author, '');
authorInput.value = typeof savedAuthor === 'string' ? savedAuthor : '';
// Another tab of this page sent or queued posts: take its outbox.
window.addEventListener('storage', (event) => {
  if (event.key !== storage.outbox) return;
  outbox = validOutbox(load(storage.outbox, []));
  renderMyPosts();
  flush();
});
renderAll();
loadInfo();
connection.start();
