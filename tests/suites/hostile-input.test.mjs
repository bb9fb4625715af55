// Suite 2 of issue 5: hostile application input. Every case sends one thing a
// client should not send — invalid JSON, wrong types, missing and extra
// fields, huge numbers, deep nesting, strings at and over each raw limit,
// unknown types, a command from a role that may not send it (the table of
// docs/protocol.md §5), hello problems, replayed, expired and revoked
// tokens, SQL and HTML payloads, the refused part of the Unicode corpus
// (lib/unicode-corpus.mjs) — and asserts:
//   - the exact answer: the error `code`, `req` echoed (or null where the
//     protocol says so), the message where it tells which check fired, and
//     the close code where the connection must close (1007, 1008, 1009);
//   - NOTHING stored: a fingerprint of the database (every row of every table
//     that holds state, read with sqlite3 -readonly while the server runs in
//     WAL mode) is the same before and after, and the moderator watching the
//     session received no event;
//   - the server still up: after each group a fresh client gets a welcome and
//     a ping ack, and /healthz answers 200.
// SQL and HTML payloads in free-text fields are not errors: there the case
// asserts that exactly the expected row changed and holds the payload
// literally (and that every table is still there).
//
// Expired and revoked credentials are made before the server starts: a first
// server issues two login tokens and stops; their rows are aged with sqlite3
// (one past its absolute expiry, one idle for too long) and a display token is
// created and revoked with the command line; the suite's server then starts
// on that data folder.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: every field of every message with
//                        every wrong JSON type (not one per field), the
//                        wrong-role table also on /ws/staff, and a real idle
//                        expiry (a server with login_idle_expiry_minutes 1,
//                        about 70 s of waiting).
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/hostile-input.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, demo } from '../web/harness.mjs';
import { JsonClient, sqliteRows, sqliteWrite, httpJson, withTimeout } from './lib/json-client.mjs';
import { refused as unicodeRefused } from './lib/unicode-corpus.mjs';

const LONG = process.env.PLENO_SUITE_LONG === '1';
const run = promisify(execFile);

const MAX_SAFE = 2 ** 53 - 1;
const SQL = [
  "'; DROP TABLE posts; --",
  "' OR '1'='1",
  "Robert'); DROP TABLE citizens;--",
  '1; DELETE FROM events',
  '" OR ""="',
  "%' UNION SELECT password_hash FROM accounts --",
  "'; ATTACH DATABASE '/tmp/pwn.db' AS pwn; --",
  "\\'; UPDATE posts SET status = 'approved'; --",
];
const HTML = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '</li><li class="post">Mensaje falso de la Alcaldía</li>',
];

let server;
let databaseFile;
const fx = {};            // fixtures: ids and tokens the cases refer to
const shared = {};        // greeted connections by role
let observer;             // a moderator watching session 1: must hear no event
let caseCounter = 0;
let casesRun = 0;

// ---------------------------------------------------------------------------
// Server, credentials and fixtures

before(async () => {
  const binary = process.env.PLENO_SERVER_BINARY;
  // A first server issues two login tokens, then stops.
  const first = await startServer({ keepData: true });
  const expiring = await first.login(demo.moderator);
  const idling = await first.login(demo.chair);
  await first.stop();
  const dataPath = path.join(first.dataDir, 'data');
  const offlineDb = path.join(dataPath, 'pleno.db');
  // Age them: the moderator's past its absolute expiry, the chair's unused for long.
  await sqliteWrite(offlineDb, "UPDATE login_tokens SET expires_at = 1000 WHERE account = 'moderadora'; " +
    "UPDATE login_tokens SET created_at = 1000, last_used_at = 1000 WHERE account = 'alcaldia';");
  // A display token created and revoked with the command line.
  const created = await run(binary, ['--data', dataPath, 'display-token', 'create', 'pantalla-retirada']);
  fx.revokedDisplayToken = created.stdout.trim();
  assert.match(fx.revokedDisplayToken, /^[A-Za-z0-9_-]{20,}$/);
  await run(binary, ['--data', dataPath, 'display-token', 'revoke', 'pantalla-retirada']);
  fx.expiredToken = expiring.token;
  fx.idleToken = idling.token;

  server = await startServer({ dataDir: first.dataDir });
  databaseFile = path.join(server.dataDir, 'data', 'pleno.db');
  fx.moderatorToken = (await server.login(demo.moderator)).token;
  fx.chairToken = (await server.login(demo.chair)).token;
  for (const role of ['viewer', 'citizen', 'display', 'moderator', 'chair']) shared[role] = await greeted(role);
  observer = await greeted('moderator');
  const identity = shared.citizen.received.find((m) => m.type === 'welcome').citizen;
  fx.citizenId = identity.id;
  fx.citizenKey = identity.key;

  // Fixtures: a pending post and its author, approved posts, a pinned one, a
  // scheduled session, an item of the live session.
  const snapshot = observer.received.find((m) => m.type === 'snapshot');
  assert.equal(snapshot.session_id, 1);
  assert.ok(snapshot.queue.length >= 2, 'the demo has pending posts');
  fx.pendingPost = snapshot.queue[0].id;
  fx.pendingCitizen = snapshot.queue[0].citizen_id;
  const approved = snapshot.posts.map((post) => post.id);
  assert.ok(approved.length >= 4, 'the demo has approved posts');
  [fx.pinnedPost, fx.hideTarget, fx.pinTarget] = approved;
  assert.equal((await shared.moderator.request({ type: 'pin', req: 'fixture-pin', post_id: fx.pinnedPost })).type, 'ack');
  fx.itemOfSession1 = snapshot.session.agenda.at(-1).id;
  fx.future = Date.now() + 7 * 24 * 3600 * 1000;
  const createdSession = await shared.chair.request({
    type: 'create_session', req: 'fixture-session', title: 'Pleno extraordinario de prueba', starts_at: fx.future,
    agenda: [{ title: 'Punto único' }],
  });
  assert.equal(createdSession.type, 'ack', JSON.stringify(createdSession));
  fx.scheduledSession = createdSession.session_id;
  fx.reasons = shared.moderator.received.find((m) => m.type === 'welcome').reasons.map((reason) => reason.code);
  assert.ok(fx.reasons.includes('off_topic'));
});

after(async () => {
  for (const client of [...Object.values(shared), observer]) client?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------
// Connections

async function connect({ staff = false, headers } = {}) {
  return JsonClient.connect(server.port, { path: staff ? '/ws/staff' : '/ws', headers });
}

async function greeted(role, { staff = role === 'moderator' || role === 'chair' } = {}) {
  const client = await connect({ staff });
  const fields = { role, req: 'hello' };
  if (role === 'display') fields.token = demo.displayToken;
  if (role === 'moderator') fields.token = fx.moderatorToken;
  if (role === 'chair') fields.token = fx.chairToken;
  const welcome = await client.hello(fields);
  assert.equal(welcome?.type, 'welcome', `hello as ${role}: ${JSON.stringify(welcome)}`);
  return client;
}

// The connection a case sends on: a shared greeted one (re-made if an
// earlier failure closed it), or a fresh one made for the case.
async function connectionFor(as, headers) {
  if (shared[as] !== undefined) {
    if (!shared[as].open) shared[as] = await greeted(as);
    return { client: shared[as], fresh: false };
  }
  const [kind, role] = as.split('-');
  assert.equal(kind, 'fresh', `unknown connection kind ${as}`);
  if (role === undefined) return { client: await connect({ headers }), fresh: true };
  if (role === 'staff') return { client: await connect({ staff: true, headers }), fresh: true };
  return { client: await greeted(role), fresh: true };
}

// ---------------------------------------------------------------------------
// What "nothing stored" means: every row that holds state

const FINGERPRINT_SQL = `SELECT json_object(
  'tables', (SELECT json_group_array(name) FROM (SELECT name FROM sqlite_master ORDER BY name)),
  'accounts', (SELECT json_group_array(json_array(name, role, password_hash)) FROM (SELECT * FROM accounts ORDER BY name)),
  'display_tokens', (SELECT json_group_array(json_array(name, digest, revoked_at)) FROM (SELECT * FROM display_tokens ORDER BY name)),
  'login_tokens', (SELECT json_group_array(json_array(digest, account, expires_at)) FROM (SELECT * FROM login_tokens ORDER BY digest)),
  'citizens', (SELECT json_group_array(json_array(id, key_digest)) FROM (SELECT * FROM citizens ORDER BY id)),
  'sessions', (SELECT json_group_array(json_array(id, title, place, starts_at, state, current_item_id, wall_mode, overlay, last_seq, pinned_post_id, opened_at, closed_at)) FROM (SELECT * FROM sessions ORDER BY id)),
  'agenda_items', (SELECT json_group_array(json_array(id, session_id, position, number, title, description)) FROM (SELECT * FROM agenda_items ORDER BY id)),
  'posts', (SELECT json_group_array(json_array(id, session_id, item_id, client_id, citizen_id, author, text, status, pinned, flags, decided_by, reject_reason, reject_detail, hidden_by)) FROM (SELECT * FROM posts ORDER BY id)),
  'bans', (SELECT json_group_array(json_array(session_id, citizen_id, banned_by, reason)) FROM (SELECT * FROM bans ORDER BY session_id, citizen_id)),
  'events', (SELECT json_group_array(json_array(session_id, n, last)) FROM (SELECT session_id, count(*) AS n, max(seq) AS last FROM events GROUP BY session_id ORDER BY session_id)),
  'audit', (SELECT json_array(count(*), max(id)) FROM audit)
) AS fingerprint;`;

async function fingerprint() {
  const [row] = await sqliteRows(databaseFile, FINGERPRINT_SQL);
  const value = JSON.parse(row.fingerprint);
  for (const key of Object.keys(value)) if (typeof value[key] === 'string') value[key] = JSON.parse(value[key]);
  return value;
}

// Everything the server had queued to the database is committed once
// list_sessions is answered (its answer waits for pending commits), and on
// the watching moderator's own connection the events of those commits come
// before that answer.
async function barrier() {
  const reply = await observer.request({ type: 'list_sessions', req: `barrier-${++caseCounter}` });
  assert.equal(reply?.type, 'ack', `barrier: ${JSON.stringify(reply)}`);
}

// A fresh client gets a welcome and a ping ack; /healthz is 200.
async function assertServerUp() {
  const client = await connect();
  try {
    const welcome = await client.hello({ role: 'viewer', req: 'up' });
    assert.equal(welcome?.type, 'welcome');
    const ack = await client.request({ type: 'ping', req: 'up-ping' });
    assert.deepEqual({ type: ack?.type, req: ack?.req }, { type: 'ack', req: 'up-ping' });
  } finally {
    client.close();
  }
  const health = await httpJson(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
}

// ---------------------------------------------------------------------------
// Case machinery
//
// A case: {name, as, send, expect, setup?, headers?, stores?}
//   as      'viewer' | 'citizen' | 'display' | 'moderator' | 'chair' (shared,
//           greeted), 'fresh' / 'fresh-staff' (not greeted), 'fresh-<role>'
//           (greeted for this case)
//   send    an object (gets a req unless it has one or noReq), a raw string,
//           a Buffer (raw bytes in a text frame), or a function (fx) → one of those
//   expect  {code, message?, req?, close?}: the error (req defaults to the
//           one sent; null for raw text), and the close code if the
//           connection must close; {close} alone: closed with no answer;
//           {ack: true}: answered with an ack
//   stores  for free-text payloads that are accepted: (before, after, reply)
//           checks the change instead of "nothing changed"
//   http    instead of send: {method, path, headers, body} → expect {status, code}
//   run     instead of send: async (fx) → custom exchange, returns nothing

const NO_REQ = Symbol('no req');

function defaultReq(index) {
  // Alternate integer and string request ids.
  return index % 2 === 0 ? 1000 + index : `req-${index}`;
}

async function runCase(spec, index) {
  casesRun += 1;
  const expect = spec.expect ?? {};
  if (spec.http) {
    await barrier();
    const before = await fingerprint();
    const request = typeof spec.http === 'function' ? spec.http(fx) : spec.http;
    const response = await httpJson(`${server.url}${request.path}`, request);
    assert.equal(response.status, expect.status, `HTTP status: ${JSON.stringify(response.body)}`);
    assert.equal(response.body?.code, expect.code, `HTTP code: ${JSON.stringify(response.body)}`);
    if (expect.message !== undefined) assert.equal(response.body.message, expect.message);
    await barrier();
    assert.deepEqual(await fingerprint(), before, 'nothing stored');
    return;
  }
  const { client, fresh } = await connectionFor(spec.as ?? 'viewer', spec.headers);
  try {
    if (spec.setup) await spec.setup(client, fx);
    await barrier();  // whatever came before (the setup, an earlier failed case) is settled
    const before = await fingerprint();
    const observed = observer.received.length;

    let reply;
    let sentReq = null;
    if (spec.run) {
      reply = await spec.run(client, fx);
    } else {
      let payload = typeof spec.send === 'function' ? spec.send(fx) : spec.send;
      if (payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload)) {
        if (!('req' in payload) && !spec.noReq) payload = { ...payload, req: defaultReq(index) };
        sentReq = 'req' in payload ? payload.req : null;
        payload = JSON.stringify(payload);
      }
      reply = await client.exchange(payload);
    }

    if (expect.ack) {
      assert.equal(reply?.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
      if (sentReq !== null) assert.deepEqual(reply.req, sentReq, 'req echoed');
    } else if (expect.code) {
      const wantedReq = 'req' in expect ? expect.req : sentReq;
      assert.deepEqual({ type: reply?.type, code: reply?.code, req: reply?.req }, { type: 'error', code: expect.code, req: wantedReq },
        `got ${JSON.stringify(reply)?.slice(0, 400)}`);
      if (expect.message instanceof RegExp) assert.match(reply.message, expect.message);
      else if (expect.message !== undefined) assert.equal(reply.message, expect.message);
      else assert.equal(typeof reply.message, 'string');
    } else if (expect.close) {
      assert.equal(reply, null, `no answer before the close: ${JSON.stringify(reply)?.slice(0, 300)}`);
    }
    if (expect.close) {
      const closed = await withTimeout(client.closed, 15000, `close ${expect.close}`);
      assert.equal(closed.code, expect.close, `close code (${closed.reason})`);
    } else if (!spec.run) {
      // The connection is still there and still answers.
      const ping = await client.request({ type: 'ping', req: `after-${index}` });
      const okAnswers = ['ack', 'error'];  // an ungreeted connection answers hello_required
      assert.ok(ping && okAnswers.includes(ping.type) && ping.req === `after-${index}`, `the connection still answers: ${JSON.stringify(ping)}`);
    }

    await barrier();
    const after = await fingerprint();
    if (spec.stores) {
      await spec.stores(before, after, reply);
    } else {
      assert.deepEqual(after, before, 'nothing stored');
      const events = observer.eventsSince(observed);
      assert.deepEqual(events, [], 'the moderator heard of no change');
    }
  } finally {
    if (fresh) client.close();
  }
}

const groups = [];
function group(name, cases) {
  groups.push({ name, cases });
}

// Registers each group as a test whose cases are named subtests, then a
// subtest that proves the server still serves a good client.
function registerGroups() {
  for (const { name, cases } of groups) {
    test(name, async (t) => {
      const names = new Set();
      for (const [index, spec] of cases.entries()) {
        assert.ok(!names.has(spec.name), `case names are unique: ${spec.name}`);
        names.add(spec.name);
        await t.test(spec.name, () => runCase(spec, index));
      }
      await t.test('the server still serves a good client', assertServerUp);
    });
  }
}

// ---------------------------------------------------------------------------
// What would succeed: each message with every field right. The cases break
// one thing at a time, so a check that is missing would let the message
// through — and store something, which the fingerprint catches.

let uniqueClientId = 0;
const nextClientId = () => `hostile-${++uniqueClientId}`;
const hour = 3600 * 1000;

const MESSAGES = {
  hello: { as: 'fresh', base: () => ({ role: 'viewer' }),
    fields: { role: 'string', token: 'string', citizen_id: 'string', citizen_key: 'string', session_id: 'int', last_seq: 'int', protocol: 'int' },
    required: ['role'] },
  submit_post: { as: 'citizen', base: () => ({ client_id: nextClientId(), author: 'Vecina', text: '¿Cuándo se arregla la farola?', session_id: 1 }),
    fields: { client_id: 'string', author: 'string', text: 'string', session_id: 'int', item_id: 'int' }, required: ['client_id', 'author', 'text'] },
  approve: { as: 'moderator', base: () => ({ post_id: fx.pendingPost }), fields: { post_id: 'int' }, required: ['post_id'] },
  hide: { as: 'moderator', base: () => ({ post_id: fx.hideTarget }), fields: { post_id: 'int' }, required: ['post_id'] },
  pin: { as: 'moderator', base: () => ({ post_id: fx.pinTarget }), fields: { post_id: 'int' }, required: ['post_id'] },
  unpin: { as: 'moderator', base: () => ({ post_id: fx.pinnedPost }), fields: { post_id: 'int' }, required: ['post_id'] },
  reject: { as: 'moderator', base: () => ({ post_id: fx.pendingPost, reason: 'off_topic', detail: 'Se verá en el punto 5.' }),
    fields: { post_id: 'int', reason: 'string', detail: 'string' }, required: ['post_id', 'reason'] },
  ban: { as: 'moderator', base: () => ({ session_id: 1, citizen_id: fx.pendingCitizen, reason: 'Insultos' }),
    fields: { session_id: 'int', citizen_id: 'string', reason: 'string' }, required: ['session_id', 'citizen_id'] },
  create_session: { as: 'chair', base: () => ({ title: 'Pleno nuevo', place: 'Salón de plenos', starts_at: fx.future + hour, agenda: [{ title: 'Punto' }] }),
    fields: { title: 'string', place: 'string', starts_at: 'int', agenda: 'agenda' }, required: ['title', 'starts_at'] },
  update_session: { as: 'chair', base: () => ({ session_id: fx.scheduledSession, title: 'Título cambiado', place: 'Plaza', starts_at: fx.future + 2 * hour }),
    fields: { session_id: 'int', title: 'string', place: 'string', starts_at: 'int' }, required: ['session_id', 'title', 'starts_at'] },
  set_agenda: { as: 'chair', base: () => ({ session_id: fx.scheduledSession, items: [{ title: 'Punto nuevo' }] }),
    fields: { session_id: 'int', items: 'agenda' }, required: ['session_id', 'items'] },
  open_session: { as: 'chair', base: () => ({ session_id: fx.scheduledSession }), fields: { session_id: 'int' }, required: ['session_id'] },
  close_session: { as: 'chair', base: () => ({ session_id: 1 }), fields: { session_id: 'int' }, required: ['session_id'] },
  set_current_item: { as: 'chair', base: () => ({ session_id: 1, item_id: fx.itemOfSession1 }), fields: { session_id: 'int', item_id: 'int' }, required: ['session_id', 'item_id'] },
  set_wall_mode: { as: 'chair', base: () => ({ session_id: 1, mode: 'blank' }), fields: { session_id: 'int', mode: 'string' }, required: ['session_id', 'mode'] },
  set_overlay: { as: 'chair', base: () => ({ session_id: 1, text: 'Receso de diez minutos' }), fields: { session_id: 'int', text: 'string' }, required: ['session_id'] },
  follow: { as: 'viewer', base: () => ({ session_id: fx.scheduledSession, last_seq: 0 }), fields: { session_id: 'int', last_seq: 'int' }, required: [] },
};
const AGENDA_ITEM_FIELDS = { id: 'int', number: 'int', title: 'string', description: 'string' };

const message = (type, changes = {}) => () => {
  const value = { type, ...MESSAGES[type].base(), ...changes };
  for (const [key, replacement] of Object.entries(changes)) if (replacement === undefined) delete value[key];
  return value;
};

// ---------------------------------------------------------------------------
// 1. Invalid JSON

const BAD_JSON = { code: 'bad_json', message: 'the message must be one JSON object', req: null };
group('invalid JSON', [
  { name: 'empty text message', send: '', expect: BAD_JSON },
  { name: 'only whitespace', send: ' \n\t ', expect: BAD_JSON },
  { name: 'truncated object', send: '{"type": "ping", "req": 1', expect: BAD_JSON },
  { name: 'truncated inside a string', send: '{"type": "pi', expect: BAD_JSON },
  { name: 'trailing garbage after the object', send: '{"type": "ping", "req": 1} x', expect: BAD_JSON },
  { name: 'two objects in one message', send: '{"type": "ping", "req": 1}{"type": "ping", "req": 2}', expect: BAD_JSON },
  { name: 'trailing comma', send: '{"type": "ping", "req": 1,}', expect: BAD_JSON },
  { name: 'single quotes', send: "{'type': 'ping'}", expect: BAD_JSON },
  { name: 'unquoted keys', send: '{type: "ping"}', expect: BAD_JSON },
  { name: 'NaN', send: '{"type": "ping", "req": NaN}', expect: BAD_JSON },
  { name: 'Infinity', send: '{"type": "follow", "session_id": Infinity}', expect: BAD_JSON },
  { name: '-Infinity', send: '{"type": "follow", "session_id": -Infinity}', expect: BAD_JSON },
  { name: 'a number too large for a double (1e400)', send: '{"type": "ping", "req": 1e400}', expect: BAD_JSON },
  { name: 'block comment', send: '/* hola */ {"type": "ping"}', expect: BAD_JSON },
  { name: 'line comment', send: '{"type": "ping"} // hola', expect: BAD_JSON },
  { name: 'hexadecimal number', send: '{"type": "follow", "session_id": 0x1}', expect: BAD_JSON },
  { name: 'leading zero', send: '{"type": "follow", "session_id": 01}', expect: BAD_JSON },
  { name: 'raw control character inside a string', send: '{"type": "pi\u0001ng"}', expect: BAD_JSON },
  { name: 'invalid escape', send: '{"type": "\\x70ing"}', expect: BAD_JSON },
  { name: 'top level array (a batch from a client)', send: '[{"type": "ping", "req": 1}]', expect: BAD_JSON },
  { name: 'top level number', send: '42', expect: BAD_JSON },
  { name: 'top level string', send: '"ping"', expect: BAD_JSON },
  { name: 'top level null', send: 'null', expect: BAD_JSON },
  { name: 'top level true', send: 'true', expect: BAD_JSON },
  { name: 'lone surrogate escape in a value', send: '{"type": "ping", "req": "\\ud800"}', expect: BAD_JSON },
  { name: 'lone surrogate escape in a key', send: '{"type": "ping", "\\udfff": 1}', expect: BAD_JSON },
  // Accepted inputs a strict reader might refuse: what the server does is defined.
  { name: 'a UTF-8 BOM before the object is skipped (RFC 8259 allows ignoring it)', send: '\ufeff{"type": "ping", "req": "bom"}', expect: { ack: true } },
  { name: 'duplicate keys: the last one wins (type approve then ping → ping)', as: 'viewer', send: '{"type": "approve", "type": "ping", "req": "dup"}', expect: { ack: true } },
  { name: 'duplicate keys: the last one wins (type ping then approve → forbidden for a viewer)', as: 'viewer', send: '{"type": "ping", "type": "approve", "post_id": 6, "req": "dup2"}', expect: { code: 'forbidden', req: 'dup2' } },
]);

// ---------------------------------------------------------------------------
// 2. The envelope: type and req

const NO_TYPE = { code: 'bad_request', message: "missing field 'type'" };
const BAD_REQ = { code: 'bad_request', message: "'req' must be an integer or a string of at most 64 bytes", req: null };
group('envelope: type and req', [
  { name: 'no type', send: { req: 'no-type' }, expect: NO_TYPE },
  { name: 'type is a number', send: { type: 7 }, expect: NO_TYPE },
  { name: 'type is null', send: { type: null }, expect: NO_TYPE },
  { name: 'type is an array', send: { type: ['ping'] }, expect: NO_TYPE },
  { name: 'type is an object', send: { type: { name: 'ping' } }, expect: NO_TYPE },
  { name: 'type is true', send: { type: true }, expect: NO_TYPE },
  { name: 'req is a fraction', send: { type: 'ping', req: 1.5 }, expect: BAD_REQ },
  { name: 'req is 1.0 (a float, not an integer)', send: '{"type": "ping", "req": 1.0}', expect: BAD_REQ },
  { name: 'req in exponent form', send: '{"type": "ping", "req": 1e3}', expect: BAD_REQ },
  { name: 'req is null', send: { type: 'ping', req: null }, expect: BAD_REQ },
  { name: 'req is true', send: { type: 'ping', req: true }, expect: BAD_REQ },
  { name: 'req is an object', send: { type: 'ping', req: { id: 1 } }, expect: BAD_REQ },
  { name: 'req is an array', send: { type: 'ping', req: [1] }, expect: BAD_REQ },
  { name: 'req is a string of 65 bytes', send: { type: 'ping', req: 'r'.repeat(65) }, expect: BAD_REQ },
  { name: 'req is 33 two-byte characters (66 bytes)', send: { type: 'ping', req: 'ñ'.repeat(33) }, expect: BAD_REQ },
  { name: 'req above 2^64 (a double to the parser)', send: '{"type": "ping", "req": 18446744073709551616}', expect: BAD_REQ },
  { name: 'req below -2^63', send: '{"type": "ping", "req": -9223372036854775809}', expect: BAD_REQ },
  { name: 'req of 64 bytes is echoed with the error', as: 'viewer', send: { type: 'approve', post_id: 6, req: 'r'.repeat(64) }, expect: { code: 'forbidden' } },
  { name: 'negative req is echoed', as: 'viewer', send: { type: 'approve', post_id: 6, req: -42 }, expect: { code: 'forbidden' } },
  {
    name: 'req of 2^63 is echoed digit for digit',
    as: 'viewer',
    run: async (client) => {
      const reply = await client.exchange('{"type": "approve", "post_id": 6, "req": 9223372036854775808}');
      assert.equal(reply?.code, 'forbidden');
      assert.match(client.rawFrames.at(-1).toString(), /"req":9223372036854775808[,}]/);
      return reply;
    },
  },
  { name: 'req with a NUL character is echoed', as: 'viewer', send: { type: 'approve', post_id: 6, req: 'a\u0000b' }, expect: { code: 'forbidden' } },
  { name: 'an invalid req wins over an unknown type', send: { type: 'nope', req: 1.5 }, expect: BAD_REQ },
]);

// ---------------------------------------------------------------------------
// 3. Unknown types

const unknown = (type) => ({ code: 'unknown_type', message: `there is no message of type '${type}'` });
group('unknown types', [
  ...['subscribe', 'PING', 'Ping', ' ping', 'ping ', 'submit-post', 'submitPost', 'approve_all', 'delete_post', 'drop_table', 'admin', 'login', 'logout',
    '__proto__', 'constructor', 'toString', '', 'ping\u0000', 'ping\u200b', 'pıng', 'ｐｉｎｇ', 'welcome', 'ack', 'error', 'snapshot', 'post_approved']
    .map((type) => ({ name: `type ${JSON.stringify(type)}`, send: { type }, expect: unknown(type) })),
  { name: 'type of 5,000 bytes (the message names its first 64)', send: { type: 't'.repeat(5000) }, expect: unknown('t'.repeat(64)) },
  // Cut at 64 bytes inside "é": the answer is still valid UTF-8 (else ws would close 1007).
  { name: 'type cut inside a two-byte character still answers valid UTF-8', send: { type: `${'x'.repeat(63)}é` }, expect: unknown(`${'x'.repeat(63)}\ufffd`) },
  { name: 'unknown type before hello is unknown_type, not hello_required', as: 'fresh', send: { type: 'subscribe' }, expect: unknown('subscribe') },
]);

// ---------------------------------------------------------------------------
// 4. Wrong types for every field of every message

const WRONG_VALUES = {
  string: [['a number', 42], ['true', true], ['an array', ['x']], ['an object', { value: 'x' }], ['a fraction', 1.5]],
  int: [['a numeric string', '1'], ['a fraction', 1.5], ['true', true], ['an array', [1]], ['an object', { value: 1 }], ['a word', 'uno']],
};

function wrongTypeCases() {
  const cases = [];
  let rotation = 0;
  for (const [type, spec] of Object.entries(MESSAGES)) {
    for (const [field, kind] of Object.entries(spec.fields)) {
      if (kind === 'agenda') {
        for (const [label, value, text] of [['a string', 'punto uno', 'the agenda must be an array of items'], ['a number', 5, 'the agenda must be an array of items'],
          ['an object without items', { list: [] }, "the agenda needs an 'items' array"], ['an array of strings', ['punto'], 'an agenda item must be an object']]) {
          if (!LONG && label !== 'a string' && !(type === 'set_agenda' && label !== 'a number')) continue;
          cases.push({ name: `${type}.${field} is ${label}`, as: spec.as, send: message(type, { [field]: value }), expect: { code: 'bad_request', message: text } });
        }
        continue;
      }
      const choices = WRONG_VALUES[kind];
      const picked = LONG ? choices : [choices[rotation++ % choices.length]];
      for (const [label, value] of picked) {
        cases.push({
          name: `${type}.${field} is ${label}`,
          as: spec.as,
          send: message(type, { [field]: value }),
          expect: { code: 'bad_request', message: `field '${field}' must be ${kind === 'string' ? 'a string' : 'an integer'}` },
        });
      }
    }
  }
  // The fields of an agenda item, in create_session and set_agenda.
  for (const [carrier, field] of [['create_session', 'agenda'], ['set_agenda', 'items']]) {
    for (const [itemField, kind] of Object.entries(AGENDA_ITEM_FIELDS)) {
      const choices = WRONG_VALUES[kind];
      const picked = LONG ? choices : [choices[rotation++ % choices.length]];
      for (const [label, value] of picked) {
        cases.push({
          name: `${carrier} agenda item .${itemField} is ${label}`,
          as: 'chair',
          send: message(carrier, { [field]: [{ title: 'Punto', [itemField]: value }] }),
          expect: { code: 'bad_request', message: `agenda item: field '${itemField}' must be ${kind === 'string' ? 'a string' : 'an integer'}` },
        });
      }
    }
  }
  return cases;
}
group('wrong types for every field of every message', wrongTypeCases());

// ---------------------------------------------------------------------------
// 5. Missing and extra fields

function missingFieldCases() {
  const cases = [];
  for (const [type, spec] of Object.entries(MESSAGES)) {
    for (const field of spec.required) {
      cases.push({ name: `${type} without ${field}`, as: spec.as, send: message(type, { [field]: undefined }), expect: { code: 'bad_request', message: `missing field '${field}'` } });
    }
  }
  cases.push(
    { name: 'submit_post with text null (null counts as missing)', as: 'citizen', send: message('submit_post', { text: null }), expect: { code: 'bad_request', message: "missing field 'text'" } },
    { name: 'approve with post_id null', as: 'moderator', send: message('approve', { post_id: null }), expect: { code: 'bad_request', message: "missing field 'post_id'" } },
    { name: 'create_session agenda item without title', as: 'chair', send: message('create_session', { agenda: [{ description: 'sin título' }] }), expect: { code: 'bad_request', message: "agenda item: missing field 'title'" } },
    { name: 'set_agenda {"items": ...} form without items', as: 'chair', send: message('set_agenda', { items: { entries: [] } }), expect: { code: 'bad_request', message: "the agenda needs an 'items' array" } },
  );
  return cases;
}

function extraFieldCases() {
  const cases = [];
  for (const type of [...Object.keys(MESSAGES), 'ping', 'list_sessions']) {
    const spec = MESSAGES[type] ?? { as: 'viewer' };
    const send = MESSAGES[type] ? message(type, { colour: 'red' }) : { type, colour: 'red' };
    cases.push({ name: `${type} with an unknown field 'colour'`, as: spec.as, send, expect: { code: 'bad_request', message: "unknown field 'colour'" } });
  }
  const smuggled = [
    ['a citizen sends a post already approved', 'citizen', message('submit_post', { status: 'approved' }), 'status'],
    ['a citizen chooses the post id', 'citizen', message('submit_post', { id: 1 }), 'id'],
    ['a citizen sends a citizen_id (to post as someone else)', 'citizen', message('submit_post', { citizen_id: 'c-demo-6' }), 'citizen_id'],
    ['a citizen pins their own post', 'citizen', message('submit_post', { pinned: true }), 'pinned'],
    ['a moderator signs the decision as the chair', 'moderator', message('approve', { decided_by: 'alcaldia' }), 'decided_by'],
    ['a chair creates a session already live', 'chair', message('create_session', { state: 'live' }), 'state'],
    ['hello names an account', 'fresh', message('hello', { account: 'alcaldia' }), 'account'],
    ['hello asks for a password login', 'fresh', message('hello', { password: 'demo-alcaldia' }), 'password'],
    ['an empty key', 'viewer', { type: 'ping', '': 1 }, ''],
    ['a __proto__ key', 'viewer', JSON.parse('{"type": "ping", "__proto__": {"admin": true}}'), '__proto__'],
  ];
  for (const [name, as, send, field] of smuggled) cases.push({ name, as, send, expect: { code: 'bad_request', message: `unknown field '${field}'` } });
  cases.push({ name: 'agenda item with an unknown field', as: 'chair', send: message('set_agenda', { items: [{ title: 'Punto', colour: 'red' }] }), expect: { code: 'bad_request', message: "agenda item: unknown field 'colour'" } });
  return cases;
}
group('missing fields', missingFieldCases());
group('extra fields', extraFieldCases());

// ---------------------------------------------------------------------------
// 6. Huge and odd numbers

const OUT_OF_RANGE = (field) => ({ code: 'bad_request', message: `field '${field}' is out of range` });
const NOT_INTEGER = (field) => ({ code: 'bad_request', message: `field '${field}' must be an integer` });
const raw = (text) => text;  // a raw JSON message, to write numbers exactly as sent
group('huge and odd numbers', [
  { name: 'post_id 2^53 (one above the largest safe integer)', as: 'moderator', send: raw('{"type": "approve", "req": 1, "post_id": 9007199254740992}'), expect: { ...OUT_OF_RANGE('post_id'), req: 1 } },
  { name: 'post_id 2^53 - 1 is valid and simply not found', as: 'moderator', send: { type: 'approve', post_id: MAX_SAFE }, expect: { code: 'post_not_found' } },
  { name: 'post_id 2^63', as: 'moderator', send: raw('{"type": "approve", "req": 2, "post_id": 9223372036854775808}'), expect: { ...OUT_OF_RANGE('post_id'), req: 2 } },
  { name: 'post_id 2^64 (a double to the parser)', as: 'moderator', send: raw('{"type": "approve", "req": 3, "post_id": 18446744073709551616}'), expect: { ...NOT_INTEGER('post_id'), req: 3 } },
  { name: 'post_id -2^63', as: 'moderator', send: raw('{"type": "approve", "req": 4, "post_id": -9223372036854775808}'), expect: { ...OUT_OF_RANGE('post_id'), req: 4 } },
  { name: 'post_id 1e308', as: 'moderator', send: raw('{"type": "approve", "req": 5, "post_id": 1e308}'), expect: { ...NOT_INTEGER('post_id'), req: 5 } },
  { name: 'post_id 6.0 (the pending post, written as a float)', as: 'moderator', send: (f) => `{"type": "approve", "req": 6, "post_id": ${f.pendingPost}.0}`, expect: { ...NOT_INTEGER('post_id'), req: 6 } },
  { name: 'post_id 6e0 (exponent form)', as: 'moderator', send: (f) => `{"type": "approve", "req": 7, "post_id": ${f.pendingPost}e0}`, expect: { ...NOT_INTEGER('post_id'), req: 7 } },
  { name: 'post_id 6.5', as: 'moderator', send: (f) => ({ type: 'approve', post_id: f.pendingPost + 0.5 }), expect: NOT_INTEGER('post_id') },
  { name: 'post_id as a string "6"', as: 'moderator', send: (f) => ({ type: 'approve', post_id: String(f.pendingPost) }), expect: NOT_INTEGER('post_id') },
  { name: 'post_id 0', as: 'moderator', send: { type: 'hide', post_id: 0 }, expect: OUT_OF_RANGE('post_id') },
  { name: 'post_id -1', as: 'moderator', send: { type: 'pin', post_id: -1 }, expect: OUT_OF_RANGE('post_id') },
  { name: 'post_id -0 (is 0)', as: 'moderator', send: raw('{"type": "unpin", "req": 8, "post_id": -0}'), expect: { ...OUT_OF_RANGE('post_id'), req: 8 } },
  { name: 'follow session_id 2^53 - 1', as: 'viewer', send: { type: 'follow', session_id: MAX_SAFE }, expect: { code: 'session_not_found' } },
  { name: 'follow session_id -1', as: 'viewer', send: { type: 'follow', session_id: -1 }, expect: OUT_OF_RANGE('session_id') },
  { name: 'follow last_seq -1', as: 'viewer', send: { type: 'follow', session_id: 1, last_seq: -1 }, expect: OUT_OF_RANGE('last_seq') },
  { name: 'follow last_seq 2^53', as: 'viewer', send: raw('{"type": "follow", "req": 9, "session_id": 1, "last_seq": 9007199254740992}'), expect: { ...OUT_OF_RANGE('last_seq'), req: 9 } },
  { name: 'submit_post session_id 2^53 - 1', as: 'citizen', send: message('submit_post', { session_id: MAX_SAFE }), expect: { code: 'session_not_found' } },
  { name: 'submit_post item_id 2^53 - 1', as: 'citizen', send: message('submit_post', { item_id: MAX_SAFE }), expect: { code: 'item_not_found' } },
  { name: 'submit_post session_id -5', as: 'citizen', send: message('submit_post', { session_id: -5 }), expect: OUT_OF_RANGE('session_id') },
  { name: 'create_session starts_at 0', as: 'chair', send: message('create_session', { starts_at: 0 }), expect: OUT_OF_RANGE('starts_at') },
  { name: 'create_session starts_at -1', as: 'chair', send: message('create_session', { starts_at: -1 }), expect: OUT_OF_RANGE('starts_at') },
  { name: 'create_session starts_at 2^53', as: 'chair', send: raw('{"type": "create_session", "req": 10, "title": "x", "starts_at": 9007199254740992}'), expect: { ...OUT_OF_RANGE('starts_at'), req: 10 } },
  { name: 'set_current_item item_id 2^53 - 1', as: 'chair', send: message('set_current_item', { item_id: MAX_SAFE }), expect: { code: 'item_not_found' } },
  { name: 'ban session_id 2^53 - 1', as: 'moderator', send: message('ban', { session_id: MAX_SAFE }), expect: { code: 'session_not_found' } },
  { name: 'agenda item number 10000', as: 'chair', send: message('set_agenda', { items: [{ title: 'Punto', number: 10000 }] }), expect: { code: 'bad_request', message: "agenda item: field 'number' is out of range" } },
  { name: 'agenda item number -1', as: 'chair', send: message('set_agenda', { items: [{ title: 'Punto', number: -1 }] }), expect: { code: 'bad_request', message: "agenda item: field 'number' is out of range" } },
  { name: 'agenda item id 2^53 - 1 (not an item of the session)', as: 'chair', send: message('set_agenda', { items: [{ id: MAX_SAFE, title: 'Punto' }] }), expect: { code: 'item_not_found' } },
  { name: 'agenda item id of another session', as: 'chair', send: (f) => message('set_agenda', { items: [{ id: f.itemOfSession1, title: 'Punto' }] })(), expect: { code: 'item_not_found' } },
  { name: 'hello protocol 2', as: 'fresh', send: { type: 'hello', role: 'viewer', protocol: 2 }, expect: { code: 'bad_request', message: 'unsupported protocol version' } },
  { name: 'hello protocol 0', as: 'fresh', send: { type: 'hello', role: 'viewer', protocol: 0 }, expect: OUT_OF_RANGE('protocol') },
  { name: 'hello protocol 1001', as: 'fresh', send: { type: 'hello', role: 'viewer', protocol: 1001 }, expect: OUT_OF_RANGE('protocol') },
  { name: 'hello protocol "1"', as: 'fresh', send: { type: 'hello', role: 'viewer', protocol: '1' }, expect: NOT_INTEGER('protocol') },
  { name: 'hello protocol 1.0', as: 'fresh', send: raw('{"type": "hello", "req": 11, "role": "viewer", "protocol": 1.0}'), expect: { ...NOT_INTEGER('protocol'), req: 11 } },
  { name: 'hello last_seq 2^53', as: 'fresh', send: raw('{"type": "hello", "req": 12, "role": "viewer", "session_id": 1, "last_seq": 9007199254740992}'), expect: { ...OUT_OF_RANGE('last_seq'), req: 12 } },
]);

// ---------------------------------------------------------------------------
// 7. Deep nesting (the message limit is 16 KiB: 8,000 levels fit in it)

const nestedArrays = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
group('deep nesting', [
  { name: '8,000 nested arrays in an unknown field', send: `{"type": "ping", "req": "deep1", "x": ${nestedArrays(8000)}}`, expect: { code: 'bad_request', message: "unknown field 'x'", req: 'deep1' } },
  { name: '7,000 nested arrays as a post text', as: 'citizen', send: `{"type": "submit_post", "req": "deep2", "client_id": "deep2", "author": "V", "text": ${nestedArrays(7000)}}`, expect: { code: 'bad_request', message: "field 'text' must be a string", req: 'deep2' } },
  { name: '2,500 nested objects as a hello token', as: 'fresh', send: `{"type": "hello", "req": "deep3", "role": "moderator", "token": ${nestedObjects(2500)}}`, expect: { code: 'bad_request', message: "field 'token' must be a string", req: 'deep3' } },
  { name: '7,000 nested arrays as an agenda item description', as: 'chair', send: (f) => `{"type": "set_agenda", "req": "deep4", "session_id": ${f.scheduledSession}, "items": [{"title": "P", "description": ${nestedArrays(7000)}}]}`, expect: { code: 'bad_request', message: "agenda item: field 'description' must be a string", req: 'deep4' } },
  { name: '7,000 nested arrays as the agenda', as: 'chair', send: (f) => `{"type": "set_agenda", "req": "deep5", "session_id": ${f.scheduledSession}, "items": ${nestedArrays(7000)}}`, expect: { code: 'bad_request', message: 'an agenda item must be an object', req: 'deep5' } },
  { name: '7,000 nested arrays as req', send: `{"type": "ping", "req": ${nestedArrays(7000)}}`, expect: BAD_REQ },
  { name: '10,000 opening brackets never closed', send: '['.repeat(10000), expect: BAD_JSON },
  { name: '10,000 nested arrays (20 KB): over the message limit, close 1009', as: 'fresh-viewer', send: `{"type": "ping", "x": ${nestedArrays(10000)}}`, expect: { close: 1009 } },
]);

// ---------------------------------------------------------------------------
// 8. Strings at and over each raw limit

const TOO_LONG = (field) => ({ code: 'bad_request', message: `field '${field}' is too long` });
const filler = (bytes, unit = 'x') => unit.repeat(bytes / Buffer.byteLength(unit));
group('strings at and over each raw limit', [
  { name: 'post text of 4,096 bytes: read, then too long once counted', as: 'citizen', send: message('submit_post', { text: filler(4096) }), expect: { code: 'text_too_long', message: 'The message is longer than 280 characters.' } },
  { name: 'post text of 4,097 bytes', as: 'citizen', send: message('submit_post', { text: filler(4097) }), expect: TOO_LONG('text') },
  { name: 'post text of 4,096 bytes of two-byte characters', as: 'citizen', send: message('submit_post', { text: filler(4096, 'ñ') }), expect: { code: 'text_too_long' } },
  { name: 'post text of 4,098 bytes of two-byte characters', as: 'citizen', send: message('submit_post', { text: filler(4098, 'ñ') }), expect: TOO_LONG('text') },
  { name: 'post text of 4,097 bytes of four-byte emoji and one letter', as: 'citizen', send: message('submit_post', { text: `${'😀'.repeat(1024)}x` }), expect: TOO_LONG('text') },
  { name: 'author of 512 bytes: read, then an invalid name', as: 'citizen', send: message('submit_post', { author: filler(512) }), expect: { code: 'invalid_name', message: 'The name must have 1 to 40 characters.' } },
  { name: 'author of 513 bytes', as: 'citizen', send: message('submit_post', { author: filler(513) }), expect: TOO_LONG('author') },
  { name: 'client_id of 64 characters is read (then the text is empty)', as: 'citizen', send: message('submit_post', { client_id: 'c'.repeat(64), text: ' \u200b ' }), expect: { code: 'text_empty' } },
  { name: 'client_id of 65 characters', as: 'citizen', send: message('submit_post', { client_id: 'c'.repeat(65) }), expect: TOO_LONG('client_id') },
  { name: 'client_id empty', as: 'citizen', send: message('submit_post', { client_id: '' }), expect: { code: 'bad_request', message: "client_id must be 1 to 64 letters, digits, '-' or '_'." } },
  { name: 'client_id with a space', as: 'citizen', send: message('submit_post', { client_id: 'a b' }), expect: { code: 'bad_request', message: "client_id must be 1 to 64 letters, digits, '-' or '_'." } },
  { name: 'client_id with a non-ASCII letter', as: 'citizen', send: message('submit_post', { client_id: 'añ' }), expect: { code: 'bad_request', message: "client_id must be 1 to 64 letters, digits, '-' or '_'." } },
  { name: 'reject reason of 64 bytes: read, then not a reason', as: 'moderator', send: message('reject', { reason: filler(64) }), expect: { code: 'invalid_reason' } },
  { name: 'reject reason of 65 bytes', as: 'moderator', send: message('reject', { reason: filler(65) }), expect: TOO_LONG('reason') },
  { name: 'reject detail of 1,024 bytes: read, then too long', as: 'moderator', send: message('reject', { detail: filler(1024) }), expect: { code: 'text_too_long', message: 'The reason is longer than 200 characters.' } },
  { name: 'reject detail of 1,025 bytes', as: 'moderator', send: message('reject', { detail: filler(1025) }), expect: TOO_LONG('detail') },
  { name: 'ban reason of 1,024 bytes: read, then too long', as: 'moderator', send: message('ban', { reason: filler(1024) }), expect: { code: 'text_too_long' } },
  { name: 'ban reason of 1,025 bytes', as: 'moderator', send: message('ban', { reason: filler(1025) }), expect: TOO_LONG('reason') },
  { name: 'ban citizen_id of 128 bytes: read, then not found', as: 'moderator', send: message('ban', { citizen_id: filler(128) }), expect: { code: 'citizen_not_found' } },
  { name: 'ban citizen_id of 129 bytes', as: 'moderator', send: message('ban', { citizen_id: filler(129) }), expect: TOO_LONG('citizen_id') },
  { name: 'overlay of 1,024 bytes: read, then too long', as: 'chair', send: message('set_overlay', { text: filler(1024) }), expect: { code: 'text_too_long', message: 'The overlay is longer than 120 characters.' } },
  { name: 'overlay of 1,025 bytes', as: 'chair', send: message('set_overlay', { text: filler(1025) }), expect: TOO_LONG('text') },
  { name: 'session title of 1,024 bytes: read, then too long', as: 'chair', send: message('create_session', { title: filler(1024) }), expect: { code: 'text_too_long' } },
  { name: 'session title of 1,025 bytes', as: 'chair', send: message('create_session', { title: filler(1025) }), expect: TOO_LONG('title') },
  { name: 'session place of 1,024 bytes: read, then too long', as: 'chair', send: message('update_session', { place: filler(1024) }), expect: { code: 'text_too_long' } },
  { name: 'session place of 1,025 bytes', as: 'chair', send: message('update_session', { place: filler(1025) }), expect: TOO_LONG('place') },
  { name: 'agenda item title of 1,025 bytes', as: 'chair', send: message('set_agenda', { items: [{ title: filler(1025) }] }), expect: { code: 'bad_request', message: "agenda item: field 'title' is too long" } },
  { name: 'agenda item description of 4,096 bytes: read, then too long', as: 'chair', send: message('set_agenda', { items: [{ title: 'P', description: filler(4096) }] }), expect: { code: 'text_too_long' } },
  { name: 'agenda item description of 4,097 bytes', as: 'chair', send: message('set_agenda', { items: [{ title: 'P', description: filler(4097) }] }), expect: { code: 'bad_request', message: "agenda item: field 'description' is too long" } },
  { name: 'agenda of 200 items is read (the last title is empty)', as: 'chair', send: message('set_agenda', { items: [...Array.from({ length: 199 }, (_, i) => ({ title: `P${i}` })), { title: '\u200b' }] }), expect: { code: 'text_empty' } },
  { name: 'agenda of 201 items', as: 'chair', send: message('set_agenda', { items: Array.from({ length: 201 }, (_, i) => ({ title: `P${i}` })) }), expect: { code: 'bad_request', message: 'an agenda has at most 200 items' } },
  { name: 'set_wall_mode mode of 16 bytes: read, then not a mode', as: 'chair', send: message('set_wall_mode', { mode: filler(16) }), expect: { code: 'bad_request', message: "field 'mode' must be live, hold or blank" } },
  { name: 'set_wall_mode mode of 17 bytes', as: 'chair', send: message('set_wall_mode', { mode: filler(17) }), expect: TOO_LONG('mode') },
  { name: 'set_wall_mode mode "LIVE" (case matters)', as: 'chair', send: message('set_wall_mode', { mode: 'LIVE' }), expect: { code: 'bad_request', message: "field 'mode' must be live, hold or blank" } },
  { name: 'hello role of 32 bytes: read, then not a role', as: 'fresh', send: { type: 'hello', role: filler(32) }, expect: { code: 'bad_request', message: 'role must be viewer, citizen, display, moderator or chair' } },
  { name: 'hello role of 33 bytes', as: 'fresh', send: { type: 'hello', role: filler(33) }, expect: TOO_LONG('role') },
  { name: 'hello login token of 256 bytes: read, then refused, close 1008', as: 'fresh-staff', send: { type: 'hello', role: 'moderator', token: filler(256) }, expect: { code: 'not_authenticated', close: 1008 } },
  { name: 'hello login token of 257 bytes', as: 'fresh-staff', send: { type: 'hello', role: 'moderator', token: filler(257) }, expect: TOO_LONG('token') },
  { name: 'hello display token of 256 bytes: read, then refused, close 1008', as: 'fresh', send: { type: 'hello', role: 'display', token: filler(256) }, expect: { code: 'not_authenticated', message: 'Unknown or revoked display token.', close: 1008 } },
  { name: 'hello citizen_id of 128 bytes: read, then unknown', as: 'fresh', send: { type: 'hello', role: 'citizen', citizen_id: filler(128), citizen_key: 'k' }, expect: { code: 'not_authenticated' } },
  { name: 'hello citizen_id of 129 bytes', as: 'fresh', send: { type: 'hello', role: 'citizen', citizen_id: filler(129), citizen_key: 'k' }, expect: TOO_LONG('citizen_id') },
  { name: 'hello citizen_key of 256 bytes: read, then unknown', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_id: f.citizenId, citizen_key: filler(256) }), expect: { code: 'not_authenticated' } },
  { name: 'hello citizen_key of 257 bytes', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_id: f.citizenId, citizen_key: filler(257) }), expect: TOO_LONG('citizen_key') },
  { name: 'a message of exactly 16,384 bytes is read', send: () => { const head = '{"type": "ping", "req": "edge"}'; return head + ' '.repeat(16384 - head.length); }, expect: { ack: true } },
  { name: 'a message of 16,385 bytes closes with 1009', as: 'fresh-viewer', send: () => { const head = '{"type": "ping", "req": "edge"}'; return head + ' '.repeat(16385 - head.length); }, expect: { close: 1009 } },
]);

// ---------------------------------------------------------------------------
// 9. Every message sent by every role that may not send it (protocol §5)

const MAY_SEND = {
  viewer: [],
  citizen: ['submit_post'],
  display: [],
  moderator: ['approve', 'reject', 'hide', 'pin', 'unpin', 'ban'],
  chair: ['approve', 'reject', 'hide', 'pin', 'unpin', 'ban', 'create_session', 'update_session', 'set_agenda', 'open_session', 'close_session',
    'set_current_item', 'set_wall_mode', 'set_overlay'],
};
const FORBIDDEN_MESSAGE = {
  submit_post: 'Only citizens post.',
  approve: 'Only moderators decide on posts.', reject: 'Only moderators decide on posts.', hide: 'Only moderators decide on posts.',
  pin: 'Only moderators decide on posts.', unpin: 'Only moderators decide on posts.',
  ban: 'Only moderators ban.',
  create_session: 'Only the chair prepares sessions.', update_session: 'Only the chair edits sessions.', set_agenda: 'Only the chair edits the agenda.',
  open_session: 'Only the chair opens a session.', close_session: 'Only the chair closes a session.', set_current_item: 'Only the chair moves the agenda.',
  set_wall_mode: 'Only the chair controls the wall.', set_overlay: 'Only the chair sets the overlay.',
};
const COMMANDS = Object.keys(FORBIDDEN_MESSAGE);

function wrongRoleCases({ staffLane = false } = {}) {
  const cases = [];
  for (const role of ['viewer', 'citizen', 'display', 'moderator', 'chair']) {
    for (const type of COMMANDS) {
      if (MAY_SEND[role].includes(type)) continue;
      cases.push({
        name: `${role} sends ${type}${staffLane ? ' on /ws/staff' : ''}`,
        as: staffLane ? `fresh-${role}` : role,
        send: message(type),
        expect: { code: 'forbidden', message: FORBIDDEN_MESSAGE[type] },
      });
    }
  }
  return cases;
}
group('every command from every role that may not send it', wrongRoleCases());
if (LONG) group('every command from every role that may not send it, on /ws/staff', wrongRoleCases({ staffLane: true }));

// ---------------------------------------------------------------------------
// 10. hello problems

const BAD_ROLE = { code: 'bad_request', message: 'role must be viewer, citizen, display, moderator or chair' };
const UNKNOWN_CITIZEN = { code: 'not_authenticated', message: 'Unknown citizen id or key; send hello without them to get new ones.' };
group('hello problems', [
  ...[['ping', { type: 'ping' }], ['follow', { type: 'follow', session_id: 1 }], ['list_sessions', { type: 'list_sessions' }],
    ['submit_post', { type: 'submit_post', client_id: 'before-hello', author: 'V', text: 'Hola' }], ['approve', { type: 'approve', post_id: 6 }],
    ['create_session', { type: 'create_session', title: 'Antes del hello', starts_at: 1 }], ['set_overlay', { type: 'set_overlay', session_id: 1, text: 'x' }]]
    .map(([type, send]) => ({ name: `${type} before hello`, as: 'fresh', send, expect: { code: 'hello_required', message: 'Send hello first.' } })),
  { name: 'ping before hello on /ws/staff', as: 'fresh-staff', send: { type: 'ping' }, expect: { code: 'hello_required' } },
  ...['admin', 'root', '', 'Viewer', 'viewer ', 'moderator\u0000', 'chair\u200b', 'staff', 'citizens'].map((role) => ({
    name: `hello with role ${JSON.stringify(role)}`, as: 'fresh', send: { type: 'hello', role }, expect: BAD_ROLE,
  })),
  ...['viewer', 'citizen', 'display', 'moderator', 'chair'].map((role) => ({
    name: `a second hello from a ${role}`, as: role, send: { type: 'hello', role: 'viewer' }, expect: { code: 'already_greeted', message: 'Hello was already accepted on this connection.' },
  })),
  { name: 'a viewer says hello again as chair with a valid token (no escalation)', as: 'viewer', send: (f) => ({ type: 'hello', role: 'chair', token: f.chairToken }), expect: { code: 'already_greeted' } },
  { name: 'hello following a session that does not exist', as: 'fresh', send: { type: 'hello', role: 'viewer', session_id: MAX_SAFE }, expect: { code: 'session_not_found' } },
  { name: 'citizen hello with an id and no key', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_id: f.citizenId }), expect: UNKNOWN_CITIZEN },
  { name: 'citizen hello with a key and no id', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_key: f.citizenKey }), expect: UNKNOWN_CITIZEN },
  { name: 'citizen hello with an unknown id and key', as: 'fresh', send: { type: 'hello', role: 'citizen', citizen_id: 'c-desconocido', citizen_key: 'clave' }, expect: UNKNOWN_CITIZEN },
  { name: 'citizen hello with a real id and a wrong key', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_id: f.citizenId, citizen_key: `${f.citizenKey.slice(0, -1)}x` }), expect: UNKNOWN_CITIZEN },
  { name: 'citizen hello with the id of a demo citizen (who has no key)', as: 'fresh', send: (f) => ({ type: 'hello', role: 'citizen', citizen_id: f.pendingCitizen, citizen_key: '' }), expect: UNKNOWN_CITIZEN },
  { name: 'display hello without a token, close 1008', as: 'fresh', send: { type: 'hello', role: 'display' }, expect: { code: 'not_authenticated', message: 'Unknown or revoked display token.', close: 1008 } },
  { name: 'display hello with an empty token, close 1008', as: 'fresh', send: { type: 'hello', role: 'display', token: '' }, expect: { code: 'not_authenticated', close: 1008 } },
  { name: 'display hello with a wrong token, close 1008', as: 'fresh', send: { type: 'hello', role: 'display', token: 'demo-display-token-sala-de-pleno' }, expect: { code: 'not_authenticated', close: 1008 } },
  { name: 'moderator hello without a token, close 1008', as: 'fresh-staff', send: { type: 'hello', role: 'moderator' }, expect: { code: 'not_authenticated', close: 1008 } },
  { name: 'chair hello with an empty token, close 1008', as: 'fresh-staff', send: { type: 'hello', role: 'chair', token: '' }, expect: { code: 'not_authenticated', close: 1008 } },
  {
    name: 'a login cookie without an Origin header is ignored, close 1008',
    as: 'fresh-staff',
    run: async (client, f) => {
      // A connection of its own, with the cookie of a valid login and no Origin.
      const withCookie = await JsonClient.connect(server.port, { path: '/ws/staff', headers: { Cookie: `pleno_token=${f.moderatorToken}` } });
      try {
        const reply = await withCookie.exchange({ type: 'hello', role: 'moderator', req: 'cookie' });
        assert.deepEqual({ code: reply?.code, req: reply?.req }, { code: 'not_authenticated', req: 'cookie' });
        assert.equal((await withCookie.closed).code, 1008);
      } finally {
        withCookie.close();
      }
    },
  },
  { name: 'chair hello with a moderator account: forbidden, the connection stays', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'chair', token: f.moderatorToken }), expect: { code: 'forbidden', message: 'This account is not a chair account.' } },
  {
    name: 'after a refused chair hello the connection has no role: a chair command is hello_required',
    as: 'fresh-staff',
    setup: async (client, f) => {
      const refused = await client.exchange({ type: 'hello', role: 'chair', token: f.moderatorToken, req: 'first' });
      assert.equal(refused?.code, 'forbidden');
    },
    send: { type: 'set_overlay', session_id: 1, text: 'Toma de control' },
    expect: { code: 'hello_required' },
  },
]);

// ---------------------------------------------------------------------------
// 11. Replayed, expired, revoked and swapped tokens

const NOT_AUTH_STAFF = { code: 'not_authenticated', message: 'The token is unknown, revoked or expired. Log in again.', close: 1008 };
const NOT_AUTH_DISPLAY = { code: 'not_authenticated', message: 'Unknown or revoked display token.', close: 1008 };
const bearer = (token) => ({ Authorization: `Bearer ${token}` });
group('replayed, expired, revoked and swapped tokens', [
  {
    name: 'logout closes the connections of the token with 1000, then the token is refused (hello, /api/me, /api/logout)',
    as: 'fresh-staff',
    run: async (client) => {
      // This case stores a logout by design: it checks its own effects.
      const { token } = await server.login(demo.moderator);
      const live = await JsonClient.connect(server.port, { path: '/ws/staff' });
      try {
        assert.equal((await live.hello({ role: 'moderator', token })).type, 'welcome');
        const logout = await httpJson(`${server.url}/api/logout`, { method: 'POST', headers: bearer(token) });
        assert.equal(logout.status, 200);
        assert.equal((await withTimeout(live.closed, 10000, 'the logged-out connection closes')).code, 1000);
      } finally {
        live.close();
      }
      fx.loggedOutToken = token;
      const reply = await client.exchange({ type: 'hello', role: 'moderator', token, req: 'replay' });
      assert.deepEqual({ code: reply?.code, req: reply?.req }, { code: 'not_authenticated', req: 'replay' });
      assert.equal((await client.closed).code, 1008);
      const me = await httpJson(`${server.url}/api/me`, { headers: bearer(token) });
      assert.deepEqual([me.status, me.body.code], [401, 'not_authenticated']);
      const again = await httpJson(`${server.url}/api/logout`, { method: 'POST', headers: bearer(token) });
      assert.deepEqual([again.status, again.body.code], [401, 'not_authenticated']);
    },
    stores: async (before, after) => {
      // One login row came and went; the audit has its login and logout.
      assert.deepEqual(after.login_tokens, before.login_tokens);
      assert.equal(after.audit[0], before.audit[0] + 2);
      assert.deepEqual({ ...after, audit: null }, { ...before, audit: null });
    },
  },
  { name: 'the logged-out token replayed as chair, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'chair', token: f.loggedOutToken }), expect: NOT_AUTH_STAFF },
  { name: 'a token past its absolute expiry, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: f.expiredToken }), expect: NOT_AUTH_STAFF },
  { name: 'a token idle for longer than the idle expiry, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'chair', token: f.idleToken }), expect: NOT_AUTH_STAFF },
  { name: '/api/me with the expired token', http: (f) => ({ path: '/api/me', headers: bearer(f.expiredToken) }), expect: { status: 401, code: 'not_authenticated' } },
  { name: '/api/logout with the idle-expired token', http: (f) => ({ path: '/api/logout', method: 'POST', headers: bearer(f.idleToken) }), expect: { status: 401, code: 'not_authenticated' } },
  { name: 'a revoked display token, close 1008', as: 'fresh', send: (f) => ({ type: 'hello', role: 'display', token: f.revokedDisplayToken }), expect: NOT_AUTH_DISPLAY },
  { name: 'a display token used as a login token, close 1008', as: 'fresh-staff', send: { type: 'hello', role: 'moderator', token: demo.displayToken }, expect: NOT_AUTH_STAFF },
  { name: 'a display token used as a chair login token, close 1008', as: 'fresh-staff', send: { type: 'hello', role: 'chair', token: demo.displayToken }, expect: NOT_AUTH_STAFF },
  { name: 'a display token as a Bearer token for /api/me', http: { path: '/api/me', headers: bearer(demo.displayToken) }, expect: { status: 401, code: 'not_authenticated' } },
  { name: 'a valid login token used as a display token, close 1008', as: 'fresh', send: (f) => ({ type: 'hello', role: 'display', token: f.chairToken }), expect: NOT_AUTH_DISPLAY },
  { name: 'a citizen key used as a login token, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: f.citizenKey }), expect: NOT_AUTH_STAFF },
  { name: 'a login token with its last character changed, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: `${f.moderatorToken.slice(0, -1)}${f.moderatorToken.endsWith('A') ? 'B' : 'A'}` }), expect: NOT_AUTH_STAFF },
  { name: 'a login token in upper case, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: f.moderatorToken.toUpperCase() }), expect: NOT_AUTH_STAFF },
  { name: 'a login token with a trailing space, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: `${f.moderatorToken} ` }), expect: NOT_AUTH_STAFF },
  { name: 'a login token with "Bearer " in front, close 1008', as: 'fresh-staff', send: (f) => ({ type: 'hello', role: 'moderator', token: `Bearer ${f.moderatorToken}` }), expect: NOT_AUTH_STAFF },
  { name: 'the display token with a NUL appended, close 1008', as: 'fresh', send: { type: 'hello', role: 'display', token: `${demo.displayToken}\u0000` }, expect: NOT_AUTH_DISPLAY },
]);

// ---------------------------------------------------------------------------
// 12. The HTTP API's input

group('HTTP API input', [
  { name: 'login body that is not JSON', http: { path: '/api/login', method: 'POST', body: 'name=alcaldia&password=x' }, expect: { status: 400, code: 'bad_request' } },
  { name: 'login body that is an array', http: { path: '/api/login', method: 'POST', body: '["alcaldia", "demo-alcaldia"]' }, expect: { status: 400, code: 'bad_request' } },
  { name: 'login name as a number', http: { path: '/api/login', method: 'POST', body: '{"name": 1, "password": "x"}' }, expect: { status: 400, code: 'bad_request' } },
  { name: 'login password with a lone surrogate escape', http: { path: '/api/login', method: 'POST', body: '{"name": "alcaldia", "password": "\\ud800"}' }, expect: { status: 400, code: 'bad_request' } },
  { name: 'login name of 65 bytes', http: { path: '/api/login', method: 'POST', body: JSON.stringify({ name: 'n'.repeat(65), password: 'x' }) }, expect: { status: 400, code: 'bad_request', message: 'Name or password too long.' } },
  { name: 'login password of 1,025 bytes', http: { path: '/api/login', method: 'POST', body: JSON.stringify({ name: 'alcaldia', password: 'p'.repeat(1025) }) }, expect: { status: 400, code: 'bad_request', message: 'Name or password too long.' } },
  { name: 'login name with an SQL payload', http: { path: '/api/login', method: 'POST', body: JSON.stringify({ name: "' OR '1'='1' --", password: 'x' }) }, expect: { status: 401, code: 'bad_credentials' } },
  { name: 'login password with an SQL payload for a real account', http: { path: '/api/login', method: 'POST', body: JSON.stringify({ name: 'alcaldia', password: "' OR '1'='1" }) }, expect: { status: 401, code: 'bad_credentials' } },
  { name: '/api/me with an SQL payload as the token', http: { path: '/api/me', headers: bearer("x' OR '1'='1") }, expect: { status: 401, code: 'not_authenticated' } },
  { name: '/api/logout with a token of 6,000 characters', http: { path: '/api/logout', method: 'POST', headers: bearer('t'.repeat(6000)) }, expect: { status: 401, code: 'not_authenticated' } },
]);

// ---------------------------------------------------------------------------
// 13. SQL and HTML payloads

// Refused where the field names something (a token, an id, a code).
function payloadRefusals(label, payloads) {
  const cases = [];
  payloads.forEach((payload, n) => {
    const tag = `${label} ${n + 1} ${JSON.stringify(payload)}`;
    cases.push(
      { name: `${tag} as a login token, close 1008`, as: 'fresh-staff', send: { type: 'hello', role: 'moderator', token: payload }, expect: NOT_AUTH_STAFF },
      { name: `${tag} as a display token, close 1008`, as: 'fresh', send: { type: 'hello', role: 'display', token: payload }, expect: NOT_AUTH_DISPLAY },
      { name: `${tag} as citizen id and key`, as: 'fresh', send: { type: 'hello', role: 'citizen', citizen_id: payload, citizen_key: payload }, expect: UNKNOWN_CITIZEN },
      { name: `${tag} as a reject reason`, as: 'moderator', send: message('reject', { reason: payload.slice(0, 64) }), expect: { code: 'invalid_reason' } },
      { name: `${tag} as the citizen to ban`, as: 'moderator', send: message('ban', { citizen_id: payload }), expect: { code: 'citizen_not_found' } },
      { name: `${tag} as a client_id`, as: 'citizen', send: message('submit_post', { client_id: payload.slice(0, 64) }), expect: { code: 'bad_request', message: "client_id must be 1 to 64 letters, digits, '-' or '_'." } },
      { name: `${tag} as the message type`, send: { type: payload }, expect: unknown(payload) },
      { name: `${tag} as req (echoed as is)`, as: 'viewer', send: { type: 'approve', post_id: 6, req: payload }, expect: { code: 'forbidden' } },
    );
    if (Buffer.byteLength(payload) <= 32) cases.push({ name: `${tag} as the role`, as: 'fresh', send: { type: 'hello', role: payload }, expect: BAD_ROLE });
  });
  return cases;
}

// Stored literally where the field is free text: exactly the expected row
// changes, every table is still there.
function expectOnly(changedKeys, check) {
  return async (before, after, reply) => {
    assert.deepEqual(after.tables, before.tables, 'every table is still there');
    for (const key of Object.keys(before)) {
      if (!changedKeys.includes(key)) assert.deepEqual(after[key], before[key], `${key} unchanged`);
    }
    await check(before, after, reply);
  };
}
const newRows = (before, after, key) => after[key].filter((row) => !before[key].some((old) => JSON.stringify(old) === JSON.stringify(row)));

function payloadStorage(label, payloads) {
  const cases = [];
  payloads.forEach((payload, n) => {
    const tag = `${label} ${n + 1} ${JSON.stringify(payload)}`;
    cases.push({
      name: `${tag} in a post text and author is stored as text`,
      as: 'citizen',
      send: message('submit_post', { text: payload, author: payload.slice(0, 40) }),
      expect: { ack: true },
      stores: expectOnly(['posts', 'events', 'sessions', 'audit'], (before, after, reply) => {
        const rows = newRows(before, after, 'posts');
        assert.equal(rows.length, 1, 'one post row added');
        assert.equal(rows[0][6], payload, 'text stored literally');
        assert.equal(rows[0][5], reply.post.author, 'author stored as acknowledged');
        assert.equal(reply.post.text, payload);
        assert.equal(after.posts.length, before.posts.length + 1);
      }),
    });
  });
  const [first] = payloads;
  cases.push(
    {
      name: `${label} in the overlay is stored as text`,
      as: 'chair',
      send: message('set_overlay', { text: first }),
      expect: { ack: true },
      stores: expectOnly(['sessions', 'events', 'audit'], (before, after) => {
        assert.equal(after.sessions.find((row) => row[0] === 1)[7], first);
      }),
    },
    {
      name: `${label} in a session title, place and agenda is stored as text`,
      as: 'chair',
      send: message('create_session', { title: first, place: payloads[1], agenda: [{ title: payloads[2] ?? first, description: payloads.at(-1) }] }),
      expect: { ack: true },
      stores: expectOnly(['sessions', 'agenda_items', 'events', 'audit'], (before, after) => {
        const [session] = newRows(before, after, 'sessions');
        assert.deepEqual([session[1], session[2]], [first, payloads[1]]);
        const [item] = newRows(before, after, 'agenda_items');
        assert.deepEqual([item[4], item[5]], [payloads[2] ?? first, payloads.at(-1)]);
      }),
    },
    {
      name: `${label} in a reject detail is stored as text`,
      as: 'moderator',
      setup: async () => {
        const post = await shared.citizen.request({ ...message('submit_post')(), req: 'to-reject' });
        assert.equal(post.type, 'ack');
        fx.toReject = post.post.id;
      },
      send: () => ({ type: 'reject', post_id: fx.toReject, reason: 'other', detail: first }),
      expect: { ack: true },
      stores: expectOnly(['posts', 'events', 'sessions', 'audit'], (before, after) => {
        const row = after.posts.find((post) => post[0] === fx.toReject);
        assert.deepEqual([row[7], row[11], row[12]], ['rejected', 'other', first]);
      }),
    },
  );
  return cases;
}
group('SQL payloads', [...payloadRefusals('SQL', SQL), ...payloadStorage('SQL', SQL)]);
group('HTML payloads', [...payloadRefusals('HTML', HTML), ...payloadStorage('HTML', HTML)]);

// ---------------------------------------------------------------------------
// 14. The Unicode corpus: what must be refused

function unicodeCases() {
  const cases = unicodeRefused.map((entry) => {
    const name = `${entry.category}: ${entry.name}`;
    if (entry.refuse === 1007) {
      return {
        name: `${name} (raw bytes in a text frame), close 1007`,
        as: 'fresh-citizen',
        send: () => Buffer.concat([Buffer.from(`{"type": "submit_post", "client_id": "${nextClientId()}", "author": "Vecina", "text": "antes `), Buffer.from(entry.bytes), Buffer.from(' después"}')]),
        expect: { close: 1007 },
      };
    }
    if (entry.refuse === 'bad_json') {
      return {
        name,
        as: 'citizen',
        send: () => `{"type": "submit_post", "req": "u", "client_id": "${nextClientId()}", "author": "Vecina", "text": ${entry.json}}`,
        expect: BAD_JSON,
      };
    }
    return {
      name,
      as: 'citizen',
      send: message('submit_post', { text: entry.text ?? 'Texto correcto', author: entry.author ?? 'Vecina' }),
      expect: { code: entry.refuse },
    };
  });
  cases.push(
    { name: 'a session title of bidi controls only', as: 'chair', send: message('create_session', { title: '\u202e\u2066\u2069' }), expect: { code: 'text_empty' } },
    { name: 'an agenda item title of zero-width characters only', as: 'chair', send: message('set_agenda', { items: [{ title: '\u200b\u2060\ufeff' }] }), expect: { code: 'text_empty' } },
    { name: 'an overlay of 121 characters once NFC', as: 'chair', send: message('set_overlay', { text: 'e\u0301'.repeat(121) }), expect: { code: 'text_too_long' } },
    { name: 'a reject detail of 201 characters with zero-width padding', as: 'moderator', send: message('reject', { detail: `${'x'.repeat(201)}${'\u200b'.repeat(250)}` }), expect: { code: 'text_too_long' } },
    { name: 'a lone surrogate in a hello citizen_id', as: 'fresh', send: '{"type": "hello", "role": "citizen", "citizen_id": "\\ud800", "citizen_key": "k"}', expect: BAD_JSON },
    { name: 'invalid UTF-8 in the hello role, close 1007', as: 'fresh', send: Buffer.from([...Buffer.from('{"type": "hello", "role": "view'), 0xff, ...Buffer.from('er"}')]), expect: { close: 1007 } },
    { name: 'invalid UTF-8 in a moderator command, close 1007', as: 'fresh-moderator', send: Buffer.from([...Buffer.from('{"type": "reject", "post_id": 6, "reason": "off_topic", "detail": "'), 0xc0, 0xaf, ...Buffer.from('"}')]), expect: { close: 1007 } },
  );
  return cases;
}
group('the Unicode corpus: refused strings', unicodeCases());

// ---------------------------------------------------------------------------

registerGroups();

if (LONG) {
  test('long form: a login idle for longer than login_idle_expiry_minutes is refused', async () => {
    const idleServer = await startServer({ config: { auth: { login_idle_expiry_minutes: 1 } } });
    try {
      const { token } = await idleServer.login(demo.moderator);
      const first = await JsonClient.connect(idleServer.port, { path: '/ws/staff' });
      assert.equal((await first.hello({ role: 'moderator', token })).type, 'welcome');
      first.close();
      await new Promise((resolve) => { setTimeout(resolve, 65000); });
      const late = await JsonClient.connect(idleServer.port, { path: '/ws/staff' });
      const reply = await late.exchange({ type: 'hello', role: 'moderator', token, req: 'late' });
      assert.deepEqual({ code: reply?.code, req: reply?.req }, { code: 'not_authenticated', req: 'late' });
      assert.equal((await late.closed).code, 1008);
    } finally {
      await idleServer.stop();
    }
  });
}

// The checks above can fail: the same fingerprint and observer notice each
// kind of change a hostile message could have made.
test('control: the fingerprint and the watching moderator notice real changes', async (t) => {
  const changes = [
    ['a post', ['posts', 'events', 'sessions', 'audit'], true, () => shared.citizen.request({ ...message('submit_post')(), req: 'control-post' })],
    ['a decision', ['posts', 'events', 'sessions', 'audit'], true, async () => {
      const post = await shared.citizen.request({ ...message('submit_post')(), req: 'control-post-2' });
      await barrier();
      fx.controlPost = post.post.id;
      return null;
    }, () => shared.moderator.request({ type: 'approve', req: 'control-approve', post_id: fx.controlPost })],
    ['the overlay', ['sessions', 'events', 'audit'], true, () => shared.chair.request({ ...message('set_overlay', { text: 'Control' })(), req: 'control-overlay' })],
    ['a session', ['sessions', 'agenda_items', 'events', 'audit'], false, () => shared.chair.request({ ...message('create_session')(), req: 'control-session' })],
    ['a new citizen', ['citizens'], false, async () => { const client = await greeted('citizen'); client.close(); }],
    ['a login', ['login_tokens', 'audit'], false, () => server.login(demo.moderator)],
  ];
  for (const [what, keys, heard, prepareOrChange, change] of changes) {
    await t.test(`${what} changes ${keys.join(', ')}`, async () => {
      if (change) await prepareOrChange();
      const before = await fingerprint();
      const observed = observer.received.length;
      await (change ?? prepareOrChange)();
      await barrier();
      const after = await fingerprint();
      assert.notDeepEqual(after, before);
      const differing = Object.keys(before).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
      assert.deepEqual(differing, [...keys].sort());
      if (heard) await observer.waitUntil(() => (observer.eventsSince(observed).length > 0 ? true : undefined), 'the moderator hears of it');
    });
  }
});

test('the suite ran at least 150 distinct cases', () => {
  const total = groups.reduce((sum, { cases }) => sum + cases.length, 0);
  const names = new Set(groups.flatMap(({ name, cases }) => cases.map((spec) => `${name}: ${spec.name}`)));
  assert.equal(names.size, total, 'every case has its own name');
  assert.ok(total >= 150, `${total} cases`);
  assert.equal(casesRun, total, 'every case ran');
});
