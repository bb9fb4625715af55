// What the crash suite (crashes.test.mjs) and the power-cut suite
// (power-cuts.test.mjs) share: a load of citizens posting and a moderator
// deciding through WebSockets, a ledger of every acknowledgement received, a
// kill -9 at a random moment, a restart on the same data folder, and the
// checks made on the database afterwards with the sqlite3 CLI.
//
// The ledger is the client's truth: a post or a decision whose ack reached the
// client must be in the database, exactly once, after any crash (and, with
// synchronous=FULL, after any power cut). Anything sent but not acknowledged
// may or may not be there; its author resends it (same client_id) after the
// restart and it must then be stored at most once.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';

import { demo } from '../../web/harness.mjs';

const run = promisify(execFile);

// ---------------------------------------------------------------------------
// Randomness that can be replayed: PLENO_SUITE_SEED=<number> repeats a run.

export function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.between = (low, high) => low + Math.floor(next() * (high - low + 1));
  return next;
}

export function suiteSeed() {
  const given = process.env.PLENO_SUITE_SEED;
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

// ---------------------------------------------------------------------------
// A protocol client on `ws`: send() resolves with the ack or error that echoes
// its req, or with {type: 'closed'} when the connection ends first.

export class Wire {
  static open(url, route = '/ws') {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${route}`);
      const wire = new Wire(socket);
      socket.once('open', () => resolve(wire));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.next = 1;
    this.waiting = new Map();
    this.onEvent = () => {};
    this.closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});  // a killed server resets connections; 'close' follows
    socket.on('message', (data) => {
      const parsed = JSON.parse(String(data));
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
        if (message.req !== undefined && message.req !== null && this.waiting.has(message.req)) {
          const resolve = this.waiting.get(message.req);
          this.waiting.delete(message.req);
          resolve(message);
        } else {
          this.onEvent(message);
        }
      }
    });
    socket.once('close', () => {
      for (const resolve of this.waiting.values()) resolve({ type: 'closed' });
      this.waiting.clear();
    });
  }

  get open() {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (!this.open) return Promise.resolve({ type: 'closed' });
    const req = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(req, resolve);
      this.socket.send(JSON.stringify({ ...message, req }), (error) => {
        if (error && this.waiting.has(req)) {
          this.waiting.delete(req);
          resolve({ type: 'closed' });
        }
      });
    });
  }

  close() {
    this.socket.terminate();
    return this.closed;
  }
}

// ---------------------------------------------------------------------------
// The ledger: what the clients sent and what the server acknowledged.

export class Ledger {
  constructor() {
    this.citizens = [];             // {index, id, key}
    this.posts = new Map();         // `${citizenId}/${clientId}` -> {citizen, clientId, author, text, acked, id}
    this.decisions = new Map();     // post id -> {decided: 'approved'|'rejected'|null, hidden: bool}
    this.unexpected = [];           // replies no client should ever get
    this.counts = { postsSent: 0, postAcks: 0, duplicateAcks: 0, decisionsSent: 0, decisionAcks: 0, resent: 0, resentStoredBefore: 0 };
  }

  postKey(citizenId, clientId) {
    return `${citizenId}/${clientId}`;
  }

  acknowledgedPosts() {
    return [...this.posts.values()].filter((entry) => entry.acked);
  }

  unacknowledgedPosts() {
    return [...this.posts.values()].filter((entry) => !entry.acked);
  }

  recordDecision(postId, action) {
    const entry = this.decisions.get(postId) ?? { decided: null, hidden: false };
    if (action === 'approve') entry.decided = 'approved';
    if (action === 'reject') entry.decided = 'rejected';
    if (action === 'hide') entry.hidden = true;
    this.decisions.set(postId, entry);
    this.counts.decisionAcks++;
  }

  summary() {
    return { citizens: this.citizens.length, posts: this.posts.size, acknowledged: this.acknowledgedPosts().length,
      decisions: this.decisions.size, ...this.counts };
  }
}

// ---------------------------------------------------------------------------
// The participants.

export async function moderatorToken(server) {
  const { token } = await server.login(demo.moderator);
  return token;
}

// First contact of `count` citizens: each gets its id and key (kept in the ledger).
export async function enrolCitizens(server, ledger, count) {
  for (let index = 0; index < count; index++) {
    const wire = await Wire.open(server.url);
    const welcome = await wire.send({ type: 'hello', role: 'citizen' });
    if (welcome.type !== 'welcome' || !welcome.citizen) throw new Error(`citizen hello: ${JSON.stringify(welcome)}`);
    ledger.citizens.push({ index, id: welcome.citizen.id, key: welcome.citizen.key });
    await wire.close();
  }
}

async function connectCitizen(server, citizen) {
  const wire = await Wire.open(server.url);
  const welcome = await wire.send({ type: 'hello', role: 'citizen', citizen_id: citizen.id, citizen_key: citizen.key });
  if (welcome.type !== 'welcome') throw new Error(`citizen ${citizen.id} hello after restart: ${JSON.stringify(welcome)}`);
  wire.onEvent = () => {};
  return wire;
}

function submitMessage(entry) {
  return { type: 'submit_post', client_id: entry.clientId, author: entry.author, text: entry.text, session_id: 1 };
}

// After a restart: every post whose ack never arrived is sent again with the
// same client_id. The server must answer each with an ack: `duplicate: true`
// when the post had been stored before the kill, else a new post; either way
// the database must then hold it once. A sample of acknowledged posts is sent
// again too: they must come back as duplicates with their id and text.
export async function resendAfterRestart(server, ledger, random, { sample = 2 } = {}) {
  const problems = [];
  const wires = new Map();
  for (const citizen of ledger.citizens) wires.set(citizen.id, await connectCitizen(server, citizen));
  const replies = [];
  for (const entry of ledger.unacknowledgedPosts()) {
    ledger.counts.resent++;
    replies.push(wires.get(entry.citizen.id).send(submitMessage(entry)).then((reply) => {
      if (reply.type !== 'ack') {
        problems.push(`resent unacknowledged post ${entry.clientId}: ${JSON.stringify(reply)}`);
        return;
      }
      if (reply.post.client_id !== entry.clientId || reply.post.text !== entry.text)
        problems.push(`resent post ${entry.clientId} answered with another post: ${JSON.stringify(reply.post)}`);
      if (reply.duplicate) ledger.counts.resentStoredBefore++;
      entry.acked = true;
      entry.id = reply.post.id;
      ledger.counts.postAcks++;
    }));
  }
  for (const citizen of ledger.citizens) {
    const acked = ledger.acknowledgedPosts().filter((entry) => entry.citizen.id === citizen.id && entry.id !== undefined);
    for (let i = 0; i < sample && acked.length > 0; i++) {
      const entry = acked[Math.floor(random() * acked.length)];
      replies.push(wires.get(citizen.id).send(submitMessage(entry)).then((reply) => {
        if (reply.type !== 'ack' || reply.duplicate !== true || reply.post.id !== entry.id || reply.post.text !== entry.text)
          problems.push(`acknowledged post ${entry.clientId} (id ${entry.id}) sent again was not answered as that duplicate: ${JSON.stringify(reply)}`);
      }));
    }
  }
  await Promise.all(replies);
  for (const wire of wires.values()) await wire.close();
  return problems;
}

// The load: `citizens` post continuously (a few posts in flight each) while a
// moderator approves, rejects and hides as the posts arrive. Runs until
// stop() is called (the kill); resolves once every client has seen its
// connection end. Every ack is written to the ledger as it arrives.
export async function startLoad(server, ledger, random, { cycle, token, inFlight = 3 }) {
  let stopping = false;
  const tasks = [];

  // The moderator, on its own connection.
  const moderator = await Wire.open(server.url);
  const decide = (postId) => {
    if (stopping) return;
    const draw = random();
    if (draw < 0.15) return;  // left pending (decided, maybe, after a later restart)
    const action = draw < 0.65 ? 'approve' : 'reject';
    const message = action === 'approve'
      ? { type: 'approve', post_id: postId }
      : { type: 'reject', post_id: postId, reason: 'off_topic', detail: 'Se tratará en otro punto.' };
    ledger.counts.decisionsSent++;
    tasks.push(moderator.send(message).then((reply) => {
      if (reply.type === 'ack') {
        ledger.recordDecision(postId, action);
        if (action === 'approve' && !stopping && random() < 0.35) {
          ledger.counts.decisionsSent++;
          tasks.push(moderator.send({ type: 'hide', post_id: postId }).then((hidden) => {
            if (hidden.type === 'ack') ledger.recordDecision(postId, 'hide');
            else if (hidden.type !== 'closed') ledger.unexpected.push(`hide ${postId}: ${JSON.stringify(hidden)}`);
          }));
        }
      } else if (reply.type === 'error' && reply.code === 'already_decided') {
        // Decided before an earlier kill, the ack lost with the connection: allowed.
      } else if (reply.type !== 'closed') {
        ledger.unexpected.push(`${action} ${postId}: ${JSON.stringify(reply)}`);
      }
    }));
  };
  moderator.onEvent = (message) => {
    if (message.type === 'snapshot') for (const post of message.queue ?? []) decide(post.id);
    if (message.type === 'post_submitted') decide(message.post.id);
  };
  const welcome = await moderator.send({ type: 'hello', role: 'moderator', token });
  if (welcome.type !== 'welcome') throw new Error(`moderator hello: ${JSON.stringify(welcome)}`);

  // The citizens.
  const wires = [];
  for (const citizen of ledger.citizens) {
    const wire = await connectCitizen(server, citizen);
    wires.push(wire);
    let number = 0;
    const postOne = async () => {
      while (!stopping && wire.open) {
        number++;
        const entry = {
          citizen,
          clientId: `k${cycle}-${citizen.index}-${number}`,
          author: `Vecina ${citizen.index + 1}`,
          text: `Pregunta ${number} de la ronda ${cycle}: ¿qué pasa con la calle ${citizen.index + 1}-${number}?`,
          acked: false,
        };
        ledger.posts.set(ledger.postKey(citizen.id, entry.clientId), entry);
        ledger.counts.postsSent++;
        const reply = await wire.send(submitMessage(entry));
        if (reply.type === 'ack') {
          if (reply.duplicate !== false || reply.post.client_id !== entry.clientId)
            ledger.unexpected.push(`new post ${entry.clientId} acknowledged as ${JSON.stringify(reply)}`);
          entry.acked = true;
          entry.id = reply.post.id;
          ledger.counts.postAcks++;
        } else if (reply.type !== 'closed') {
          ledger.unexpected.push(`post ${entry.clientId}: ${JSON.stringify(reply)}`);
        }
      }
    };
    for (let i = 0; i < inFlight; i++) tasks.push(postOne());
  }

  return {
    // Stops producing new requests (called at the kill) and waits for every
    // reply or connection end.
    async finish() {
      stopping = true;
      await Promise.all([moderator.closed, ...wires.map((wire) => wire.closed)]);
      // Replies resolve their promises; decisions queued by them are in `tasks` too.
      for (let settled = 0; settled < tasks.length;) {
        const batch = tasks.slice(settled);
        settled = tasks.length;
        await Promise.all(batch);
      }
    },
    // A clean end (no kill): closes the connections.
    async close() {
      stopping = true;
      await Promise.all([moderator.close(), ...wires.map((wire) => wire.close())]);
      await this.finish();
    },
  };
}

// ---------------------------------------------------------------------------
// The database, read with the sqlite3 CLI (read-only, beside the running server).

async function query(file, sql) {
  const { stdout } = await run('sqlite3', ['-readonly', '-json', file, sql], { maxBuffer: 256 * 1024 * 1024 });
  return stdout.trim() ? JSON.parse(stdout) : [];
}

export async function readDatabase(file) {
  const integrity = await query(file, 'PRAGMA integrity_check');
  const posts = await query(file, 'SELECT id, session_id, citizen_id, client_id, author, text, status, decided_by, decided_at, '
    + 'hidden_by, hidden_at, submitted_at FROM posts ORDER BY id');
  const events = await query(file, "SELECT session_id, seq, at, type, actor, coalesce(json_extract(data, '$.post.id'), "
    + "json_extract(data, '$.post_id')) AS post_id, json_extract(data, '$.post.status') AS post_status "
    + 'FROM events ORDER BY session_id, seq');
  const sessions = await query(file, 'SELECT id, last_seq FROM sessions ORDER BY id');
  const audit = await query(file, 'SELECT id, at, actor, action, target, detail FROM audit ORDER BY id');
  return { integrity: integrity.map((row) => row.integrity_check), posts, events, sessions, audit };
}

const decisionActions = ['post_approved', 'post_rejected', 'post_hidden'];
// Audit actions that are not events of a session.
const nonEventActions = new Set(['login', 'logout', 'demo_seeded']);

// Every way the database disagrees with the ledger or with itself, as
// sentences; [] when all is well. `acknowledgedOnly`: the checks of what the
// ledger holds (the power-cut suite's NORMAL run looks for those alone).
export function checkDatabase(db, ledger) {
  const problems = [];
  const say = (text) => { if (problems.length < 40) problems.push(text); };

  // PRAGMA integrity_check
  if (db.integrity.length !== 1 || db.integrity[0] !== 'ok') say(`integrity_check: ${db.integrity.join('; ')}`);

  // seq: 1..N per session, no gap, no repeat, and the session row agrees.
  const eventsBySession = new Map();
  for (const event of db.events) {
    if (!eventsBySession.has(event.session_id)) eventsBySession.set(event.session_id, []);
    eventsBySession.get(event.session_id).push(event);
  }
  for (const session of db.sessions) {
    const events = eventsBySession.get(session.id) ?? [];
    events.forEach((event, i) => {
      if (event.seq !== i + 1) say(`session ${session.id}: event number ${i + 1} has seq ${event.seq} (a gap or a repeat)`);
    });
    if (session.last_seq !== events.length) say(`session ${session.id}: last_seq ${session.last_seq} but ${events.length} events stored`);
  }
  for (const id of eventsBySession.keys())
    if (!db.sessions.some((session) => session.id === id)) say(`events of session ${id}, which is not stored`);

  // Posts: one row per (citizen, client_id); every acknowledged post there, once, as acknowledged.
  const postsByKey = new Map();
  const postsById = new Map();
  for (const post of db.posts) {
    const key = ledger.postKey(post.citizen_id, post.client_id);
    if (postsByKey.has(key)) say(`post ${post.client_id} of ${post.citizen_id} stored twice (ids ${postsByKey.get(key).id} and ${post.id})`);
    postsByKey.set(key, post);
    postsById.set(post.id, post);
  }
  for (const entry of ledger.acknowledgedPosts()) {
    const post = postsByKey.get(ledger.postKey(entry.citizen.id, entry.clientId));
    if (!post) say(`acknowledged post ${entry.clientId} (id ${entry.id}) of ${entry.citizen.id} is missing`);
    else if (post.id !== entry.id) say(`acknowledged post ${entry.clientId} was id ${entry.id}, stored as id ${post.id}`);
    else if (post.text !== entry.text || post.author !== entry.author) say(`acknowledged post ${entry.clientId} stored with other text: ${JSON.stringify(post.text)}`);
  }

  // Decisions: every acknowledged one is in the post's state.
  for (const [postId, decision] of ledger.decisions) {
    const post = postsById.get(postId);
    if (!post) { say(`post ${postId}, whose decision was acknowledged, is missing`); continue; }
    const expected = decision.hidden ? ['hidden'] : decision.decided === 'approved' ? ['approved', 'hidden'] : ['rejected'];
    if (!expected.includes(post.status)) {
      // The decision is gone; its fields (who, when) went with it: one problem, not three.
      say(`post ${postId}: acknowledged ${decision.hidden ? 'hide' : decision.decided}, stored status ${post.status}`);
      continue;
    }
    if (decision.decided && (post.decided_by !== demo.moderator.name || !(post.decided_at > 0)))
      say(`post ${postId}: decided_by ${JSON.stringify(post.decided_by)} at ${post.decided_at}`);
    if (decision.hidden && (post.hidden_by !== demo.moderator.name || !(post.hidden_at > 0)))
      say(`post ${postId}: hidden_by ${JSON.stringify(post.hidden_by)} at ${post.hidden_at}`);
  }

  // The audit log: exactly one row per event (same action, actor, time and
  // target), none for anything not stored, and every decision in the posts
  // table has its row with who and when.
  const eventByKey = new Map(db.events.map((event) => [`${event.session_id}/${event.seq}`, event]));
  const targetOf = (event) => (event.post_id !== null && event.post_id !== undefined ? `post:${event.post_id}` : null);
  const auditedEvents = new Map();
  const auditByPost = new Map();
  for (const row of db.audit) {
    let detail = {};
    try { detail = JSON.parse(row.detail); } catch { say(`audit row ${row.id}: detail is not JSON`); }
    let event;
    if (detail.seq !== undefined) {
      event = eventByKey.get(`${detail.session_id}/${detail.seq}`);
      if (!event) { say(`audit row ${row.id} (${row.action} ${row.target}) for event ${detail.session_id}/${detail.seq}, which is not stored`); continue; }
      if (event.type !== row.action || event.actor !== row.actor || event.at !== row.at || (targetOf(event) ?? row.target) !== row.target)
        say(`audit row ${row.id} (${row.action} by ${row.actor} at ${row.at} on ${row.target}) differs from event ${event.session_id}/${event.seq} (${event.type} by ${event.actor} at ${event.at})`);
    } else if (detail.demo === true) {
      // The demo seeding writes its events' rows without seq and with the
      // session as target: they are matched by action, actor and time.
      event = db.events.find((candidate) => candidate.type === row.action && candidate.actor === row.actor && candidate.at === row.at
        && `session:${candidate.session_id}` === row.target);
      if (!event) { say(`demo audit row ${row.id} (${row.action} ${row.target}) matches no event`); continue; }
    } else if (nonEventActions.has(row.action) && !row.target.startsWith('post:')) {
      continue;  // a login, a logout, the demo seeding: not session events
    } else {
      say(`audit row ${row.id} (${row.action} ${row.target}) is not the row of any event`);
      continue;
    }
    const key = `${event.session_id}/${event.seq}`;
    auditedEvents.set(key, (auditedEvents.get(key) ?? 0) + 1);
    if (event.post_id !== null && event.post_id !== undefined) {
      if (!postsById.has(event.post_id)) say(`audit row ${row.id} (${row.action} ${row.target}) for a post that is not stored`);
      if (!auditByPost.has(event.post_id)) auditByPost.set(event.post_id, []);
      auditByPost.get(event.post_id).push(row);
    }
  }
  for (const event of db.events) {
    const count = auditedEvents.get(`${event.session_id}/${event.seq}`) ?? 0;
    if (count !== 1) say(`event ${event.session_id}/${event.seq} (${event.type}) has ${count} audit rows`);
  }
  const lastEventOfPost = new Map();
  for (const event of db.events) if (event.post_id !== null && event.post_status !== null) lastEventOfPost.set(event.post_id, event);
  for (const post of db.posts) {
    const rows = auditByPost.get(post.id) ?? [];
    const rowsOf = (action) => rows.filter((row) => row.action === action);
    const expectOne = (action, actor, at) => {
      const found = rowsOf(action);
      if (found.length !== 1) say(`post ${post.id} (${post.status}): ${found.length} audit rows ${action}`);
      else if (found[0].actor !== actor || found[0].at !== at)
        say(`post ${post.id}: audit ${action} by ${found[0].actor} at ${found[0].at}, the post says ${actor} at ${at}`);
    };
    expectOne('post_submitted', post.citizen_id, post.submitted_at);
    if (post.status === 'approved' || post.status === 'hidden') expectOne('post_approved', post.decided_by, post.decided_at);
    if (post.status === 'rejected') expectOne('post_rejected', post.decided_by, post.decided_at);
    if (post.status === 'hidden') expectOne('post_hidden', post.hidden_by, post.hidden_at);
    const allowed = { pending: [], approved: ['post_approved'], rejected: ['post_rejected'], hidden: ['post_approved', 'post_hidden'] }[post.status];
    for (const action of decisionActions)
      if (!allowed.includes(action) && rowsOf(action).length > 0) say(`post ${post.id} is ${post.status} but the audit log has ${action}`);
    const last = lastEventOfPost.get(post.id);
    if (!last) say(`post ${post.id} has no event`);
    else if (last.post_status !== post.status) say(`post ${post.id} is ${post.status} but its last event (${last.type}, seq ${last.seq}) says ${last.post_status}`);
  }
  return problems;
}

// Only the losses of acknowledged things (the NORMAL run of the power-cut suite).
export function isLoss(problem) {
  return /^acknowledged post .* is missing$|^post \d+, whose decision was acknowledged, is missing$|: acknowledged (approved|rejected|hide), stored status/.test(problem);
}

// ---------------------------------------------------------------------------
// Power cuts: the data folder becomes what the fsync shim kept.

// Replaces every file of `dataFolder` by its shadow copy, deletes the files
// that have none (their content never reached the disk) and brings back
// shadows whose file is gone. Returns what it did, for the test's log.
export async function restoreShadows(dataFolder, shadowFolder) {
  const done = { restored: [], dropped: [] };
  const shadows = new Set();
  for (const name of await readdir(shadowFolder)) {
    if (name.startsWith('.')) await rm(path.join(shadowFolder, name), { force: true });  // a copy cut short by the kill
    else shadows.add(name);
  }
  for (const name of await readdir(dataFolder)) {
    const file = path.join(dataFolder, name);
    if (!(await stat(file)).isFile()) continue;
    if (shadows.has(name)) {
      await copyFile(path.join(shadowFolder, name), file);
      done.restored.push(name);
    } else {
      await rm(file);
      done.dropped.push(name);
    }
  }
  for (const name of shadows) {
    if (done.restored.includes(name)) continue;
    await copyFile(path.join(shadowFolder, name), path.join(dataFolder, name));
    done.restored.push(name);
  }
  return done;
}

// The LD_PRELOAD value for the shim in front of `serverBinary`: an ASan build
// needs its runtime first in the list, so it is put there.
export async function preloadFor(serverBinary, shim) {
  const { stdout } = await run('ldd', [serverBinary]).catch(() => ({ stdout: '' }));
  const asan = /^\s*libasan\.so\S*\s+=>\s+(\S+)/m.exec(stdout);
  return asan ? `${asan[1]} ${shim}` : shim;
}

export async function ensureFolder(folder) {
  await mkdir(folder, { recursive: true });
  return folder;
}

// Polls `predicate` (async) until it is true or `ms` pass; returns the last value.
export async function waitUntil(predicate, ms, step = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, step));
  }
}

export const longForm = process.env.PLENO_SUITE_LONG === '1';

// ---------------------------------------------------------------------------
// A scenario: one data folder, a server started and killed again and again.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Scenario {
  // powerCut: the fsync shim is preloaded (`shim`: its path) and, after each
  // kill, the data folder is replaced by what it kept. synchronous: 'full' (the
  // server's setting) or 'normal' (the test-only config key test_synchronous).
  constructor({ startServer, random, powerCut = false, shim, synchronous = 'full', citizens = 4, note = () => {} }) {
    Object.assign(this, { startServerWith: startServer, random, powerCut, shim, synchronous, citizenCount: citizens, note });
    this.ledger = new Ledger();
    this.cycles = 0;
    this.lossesSeen = [];
  }

  async setup(baseFolder) {
    this.folder = baseFolder;
    this.dataFolder = await ensureFolder(path.join(baseFolder, 'data'));
    this.shadowFolder = await ensureFolder(path.join(baseFolder, 'shadow'));
    this.env = {};
    if (this.powerCut) {
      this.env = {
        LD_PRELOAD: await preloadFor(process.env.PLENO_SERVER_BINARY, this.shim),
        PLENO_FSYNC_WATCH_DIR: this.dataFolder,
        PLENO_FSYNC_SHADOW_DIR: this.shadowFolder,
      };
    }
    this.config = {
      council: { posts_per_citizen: { per_seconds: 1, burst: 1000000 } },
      ...(this.synchronous === 'normal' ? { test_synchronous: 'normal' } : {}),
    };
    // The demo seeded and the citizens enrolled, then a clean stop: the
    // starting point is on disk whatever the durability setting.
    const server = await this.start();
    await enrolCitizens(server, this.ledger, this.citizenCount);
    await server.stop();
    if (this.powerCut) {
      const shadows = await readdir(this.shadowFolder);
      if (!shadows.includes('pleno.db')) throw new Error(`the fsync shim kept nothing (shadows: ${shadows.join(', ')}); is it preloaded?`);
    }
  }

  start() {
    return this.startServerWith({ dataDir: this.folder, keepData: true, config: this.config, env: this.env });
  }

  databaseFile() {
    return path.join(this.dataFolder, 'pleno.db');
  }

  // Everything wrong after a restart: the database against the ledger, and
  // the replies no client should have had.
  async check() {
    const problems = checkDatabase(await readDatabase(this.databaseFile()), this.ledger);
    problems.push(...this.ledger.unexpected.splice(0));
    return problems;
  }

  // One round: start on the folder left by the last kill, check it, resend what
  // was not acknowledged, load, kill -9 after a random delay, and (power cut)
  // keep only what was fsynced. Returns the problems the check found.
  async cycle() {
    const number = ++this.cycles;
    const server = await this.start();
    let exitedEarly = false;
    server.exited().then(() => { exitedEarly = !this.killing; });
    this.killing = false;
    const problems = await this.check();
    problems.push(...await resendAfterRestart(server, this.ledger, this.random));
    const token = await moderatorToken(server);
    const load = await startLoad(server, this.ledger, this.random, { cycle: number, token });
    const delay = this.random.between(50, 800);
    await sleep(delay);  // the random moment of the kill
    if (exitedEarly) problems.push(`the server exited by itself under load:\n${server.log().slice(-2000)}`);
    this.killing = true;
    await server.kill();
    await load.finish();
    let restored = '';
    if (this.powerCut) {
      const done = await restoreShadows(this.dataFolder, this.shadowFolder);
      restored = ` restored ${done.restored.join(',')} dropped ${done.dropped.join(',') || '-'}`;
    }
    const summary = this.ledger.summary();
    this.note(`cycle ${number}: killed after ${delay} ms; posts acknowledged ${summary.acknowledged}/${summary.posts}, `
      + `decision acks ${summary.decisionAcks}${restored}`);
    return problems;
  }

  // After the last kill: start, check, resend, check again, stop cleanly, check once more.
  async finish() {
    const server = await this.start();
    const problems = await this.check();
    problems.push(...await resendAfterRestart(server, this.ledger, this.random));
    problems.push(...await this.check());
    await server.stop();  // throws unless the server exits 0
    problems.push(...await this.check());
    return problems;
  }

  async cleanup() {
    if (this.folder) await rm(this.folder, { recursive: true, force: true });
  }
}
