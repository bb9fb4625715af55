// Suite 6 of issue 5: sessions of moderators and chairs (and display tokens).
//
//   - tokens: login and display tokens are base64url of 256 random bits
//     (≥ 128 asked), all different over many logins, without shared prefixes,
//     about half of their bits set, and stored only as a hash;
//   - a new token at each login: two logins of one account hold two tokens,
//     both valid, logged out independently;
//   - logout closes every live connection of that token (/ws and /ws/staff,
//     token or cookie) with 1000 within a second of the answer;
//   - expiry: at the absolute expiry the live connections of the login are
//     closed with 1000 within a second (the server wakes at the expiry, it does
//     not wait for its 5 s round); an unused token goes idle, a token held by a
//     live console does not;
//   - throttling with the default limits: 5 attempts per account then 429,
//     20 per address then 429 (successful and unknown-name attempts count);
//   - a flood of 200 concurrent logins against one password-check thread:
//     some are refused 429 ("busy"), the server uses about one core, its memory
//     stays bounded, and a viewer's pings and a moderator's approvals (logged in
//     before) keep answering quickly all along.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: 400 logins for the token statistics (CI:
//                        40), 30 logout rounds (CI: 5), a flood of 1,000 logins
//                        (CI: 200)
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/sessions.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, demo } from '../web/harness.mjs';
import { openClient, httpJson, until } from './lib/pleno-client.mjs';

const run = promisify(execFile);
const LONG = process.env.PLENO_SUITE_LONG === '1';
const TOKEN_LOGINS = LONG ? 400 : 40;
const LOGOUT_ROUNDS = LONG ? 30 : 5;
const FLOOD_LOGINS = LONG ? 1000 : 200;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
// The limits a town gets when it sets nothing (server/src/app/config.hpp); the
// harness raises them for the browser tests, so they are given here again.
const DEFAULT_LOGIN_LIMITS = { login_per_account: { per_seconds: 30, burst: 5 }, login_per_address: { per_seconds: 10, burst: 20 } };

function login(server, account, { localAddress, password = account.password, name = account.name } = {}) {
  return httpJson(server.port, 'POST', '/api/login', { body: { name, password }, localAddress });
}

async function me(server, token) {
  return httpJson(server.port, 'GET', '/api/me', { token });
}

async function staff(server, token, { path = '/ws/staff', role = 'moderator', ...options } = {}) {
  const client = await openClient(server.port, { path, ...options });
  const welcome = await client.hello(token === undefined ? { role } : { role, token });
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  return client;
}

function bitsSet(buffer) {
  let count = 0;
  for (const byte of buffer) for (let bit = byte; bit; bit >>= 1) count += bit & 1;
  return count;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function checkTokenShape(token, what) {
  assert.match(token, BASE64URL, `${what} is base64url`);
  assert.ok(token.length * 6 >= 128, `${what}: ${token.length} characters carry fewer than 128 bits`);
  assert.equal(token.length, 43, `${what}: 43 characters, 256 bits (docs/protocol.md §8)`);
  assert.equal(Buffer.from(token, 'base64url').length, 32, `${what} decodes to 32 bytes`);
}

// ---------------------------------------------------------------------------

describe('tokens', () => {
  let server;
  let tokens;
  before(async () => {
    server = await startServer({});
    tokens = [];
    for (let i = 0; i < TOKEN_LOGINS; ++i) {
      const reply = await login(server, i % 2 ? demo.chair : demo.moderator);
      assert.equal(reply.status, 200, reply.body);
      tokens.push(reply.json.token);
    }
  });
  after(() => server?.stop());

  test('a login token is base64url of 256 random bits (at least 128 asked)', () => {
    for (const token of tokens) checkTokenShape(token, 'a login token');
  });

  test(`the tokens of ${TOKEN_LOGINS} logins are all different`, () => {
    assert.equal(new Set(tokens).size, tokens.length);
  });

  test('no two tokens share a prefix of 4 characters or more (no counter, no timestamp inside)', () => {
    const sorted = [...tokens].sort();
    let longest = 0;
    for (let i = 1; i < sorted.length; ++i) {
      let common = 0;
      while (common < sorted[i].length && sorted[i][common] === sorted[i - 1][common]) ++common;
      longest = Math.max(longest, common);
    }
    // Random tokens: P(any neighbour pair shares 4 characters) < TOKEN_LOGINS * 64^-4 ≈ 2e-5.
    assert.ok(longest < 4, `two tokens share ${longest} leading characters`);
  });

  test('about half of the token bits are set (no zero padding, no small alphabet)', () => {
    const bytes = Buffer.concat(tokens.map((token) => Buffer.from(token, 'base64url')));
    const fraction = bitsSet(bytes) / (bytes.length * 8);
    // 40 tokens: 10,240 bits, one standard deviation is 0.5%; 0.45..0.55 is ten of them.
    assert.ok(fraction > 0.45 && fraction < 0.55, `${(fraction * 100).toFixed(2)}% of the bits are set`);
  });

  test('the cookie carries the same token, HttpOnly, SameSite=Strict, for the whole absolute lifetime', async () => {
    const reply = await login(server, demo.moderator);
    const cookie = reply.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, new RegExp(`^pleno_token=${reply.json.token};`));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Max-Age=43200(;|$)/);
    assert.ok(Math.abs(reply.json.expires_at - (Date.now() + 12 * 3600 * 1000)) < 60000, 'expires 12 h after login');
  });

  test('the database keeps only a hash of each token, never the token', async () => {
    const { stdout } = await run('sqlite3', [path.join(server.dataDir, 'data', 'pleno.db'),
      'SELECT digest FROM login_tokens; SELECT digest FROM display_tokens;']);
    const digests = stdout.split('\n').filter(Boolean);
    assert.ok(digests.length >= tokens.length, `${digests.length} stored digests`);
    for (const digest of digests) assert.match(digest, /^[0-9a-f]{64}$/);
    const dump = (await run('sqlite3', [path.join(server.dataDir, 'data', 'pleno.db'), '.dump'], { maxBuffer: 64 << 20 })).stdout;
    for (const token of tokens.slice(0, 10)) assert.ok(!dump.includes(token), 'a token is stored in clear');
  });
});

describe('display tokens from the command line', () => {
  test('pleno-server display-token create prints base64url tokens of 256 bits, all different, that a display can use', async () => {
    const first = await startServer({ keepData: true });
    const dataDir = first.dataDir;
    await first.stop();
    let second;
    try {
      const created = [];
      for (const name of ['sala-norte', 'sala-sur', 'vestibulo']) {
        const { stdout, stderr } = await run(process.env.PLENO_SERVER_BINARY, ['--data', path.join(dataDir, 'data'), 'display-token', 'create', name]);
        assert.match(stderr, new RegExp(`display token for ${name}`));
        const token = stdout.trim();
        checkTokenShape(token, `the display token of ${name}`);
        created.push({ name, token });
      }
      assert.equal(new Set(created.map(({ token }) => token)).size, created.length);
      second = await startServer({ dataDir, demoSeed: false, keepData: true });
      for (const { name, token } of created) {
        const display = await openClient(second.port);
        const welcome = await display.hello({ role: 'display', token });
        assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
        assert.equal(welcome.display, name);
        display.close();
      }
    } finally {
      await second?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a new token at each login', () => {
  let server;
  before(async () => { server = await startServer({}); });
  after(() => server?.stop());

  test('two logins of one account get two different tokens, both valid at once', async () => {
    const a = (await login(server, demo.moderator)).json.token;
    const b = (await login(server, demo.moderator)).json.token;
    assert.notEqual(a, b);
    for (const token of [a, b]) {
      const who = await me(server, token);
      assert.equal(who.status, 200, who.body);
      assert.equal(who.json.account, demo.moderator.name);
      const client = await staff(server, token);
      client.close();
    }
  });

  test('logging out one of them leaves the other valid, and its connection open', async () => {
    const a = (await login(server, demo.moderator)).json.token;
    const b = (await login(server, demo.moderator)).json.token;
    const onA = await staff(server, a);
    const onB = await staff(server, b);
    const out = await httpJson(server.port, 'POST', '/api/logout', { token: a });
    assert.equal(out.status, 200, out.body);
    assert.equal((await onA.waitClosed()).code, 1000);
    assert.equal((await me(server, a)).status, 401);
    assert.equal((await me(server, b)).status, 200);
    assert.ok(onB.isOpen(), 'the other login\'s connection was closed');
    assert.equal((await onB.request({ type: 'ping' })).type, 'ack');
    onB.close();
  });

  test('a logged-out token is refused everywhere: hello (then 1008), /api/me, a second logout', async () => {
    const token = (await login(server, demo.chair)).json.token;
    assert.equal((await httpJson(server.port, 'POST', '/api/logout', { token })).status, 200);
    const client = await openClient(server.port, { path: '/ws/staff' });
    const answer = await client.hello({ role: 'chair', token });
    assert.equal(answer.code, 'not_authenticated', JSON.stringify(answer));
    assert.equal((await client.waitClosed()).code, 1008);
    assert.equal((await me(server, token)).status, 401);
    const again = await httpJson(server.port, 'POST', '/api/logout', { token });
    assert.equal(again.status, 401);
    assert.equal(again.json.code, 'not_authenticated');
  });
});

describe('logout closes live connections within a second', () => {
  let server;
  before(async () => { server = await startServer({}); });
  after(() => server?.stop());

  test(`every connection of the token (/ws, /ws/staff, by token and by cookie) is closed with 1000 within 1 s of the answer (${LOGOUT_ROUNDS} rounds)`, async () => {
    const delays = [];
    const bystanderToken = (await login(server, demo.chair)).json.token;
    const bystander = await staff(server, bystanderToken, { role: 'chair' });
    for (let round = 0; round < LOGOUT_ROUNDS; ++round) {
      const { token } = (await login(server, demo.moderator)).json;
      const origin = `http://127.0.0.1:${server.port}`;
      const clients = [
        await staff(server, token, { path: '/ws' }),
        await staff(server, token, { path: '/ws/staff' }),
        await staff(server, undefined, { path: '/ws', origin, cookie: `pleno_token=${token}` }),
        await staff(server, undefined, { path: '/ws/staff', origin, cookie: `pleno_token=${token}` }),
      ];
      const out = await httpJson(server.port, 'POST', '/api/logout', { token });
      assert.equal(out.status, 200, out.body);
      assert.match(out.headers['set-cookie']?.[0] ?? '', /^pleno_token=;.*Max-Age=0/);
      const closes = await Promise.all(clients.map((client) => client.waitClosed(5000)));
      for (const close of closes) {
        assert.equal(close.code, 1000);
        delays.push(close.at - out.at);
      }
    }
    const worst = Math.max(...delays);
    assert.ok(worst < 1000, `a connection closed ${worst} ms after the logout answer`);
    assert.ok(bystander.isOpen(), 'another login\'s connection was closed');
    assert.equal((await bystander.request({ type: 'ping' })).type, 'ack');
    bystander.close();
  });

  test('a logout by cookie (the page\'s own form) closes the cookie connections too', async () => {
    const { token } = (await login(server, demo.chair)).json;
    const origin = `http://127.0.0.1:${server.port}`;
    const client = await staff(server, undefined, { role: 'chair', origin, cookie: `pleno_token=${token}` });
    const out = await httpJson(server.port, 'POST', '/api/logout', { headers: { Cookie: `pleno_token=${token}` } });
    assert.equal(out.status, 200, out.body);
    const close = await client.waitClosed(5000);
    assert.equal(close.code, 1000);
    assert.ok(close.at - out.at < 1000, `closed ${close.at - out.at} ms after the answer`);
  });
});

describe('expiry closes live connections within a second', () => {
  let server;
  const LIFETIME_S = 3;
  before(async () => { server = await startServer({ config: { auth: { login_absolute_expiry_seconds: LIFETIME_S } } }); });
  after(() => server?.stop());

  test('at the absolute expiry every connection of the login is closed with 1000 within 1 s; a later login stays', async () => {
    const first = await login(server, demo.moderator);
    assert.equal(first.status, 200, first.body);
    const expiresAt = first.json.expires_at;
    assert.ok(Math.abs(expiresAt - (Date.now() + LIFETIME_S * 1000)) < 1000, `expires_at ${expiresAt - Date.now()} ms from now`);
    assert.match(first.headers['set-cookie']?.[0] ?? '', new RegExp(`Max-Age=${LIFETIME_S}(;|$)`));
    const origin = `http://127.0.0.1:${server.port}`;
    const clients = [
      await staff(server, first.json.token, { path: '/ws' }),
      await staff(server, first.json.token, { path: '/ws/staff' }),
      await staff(server, undefined, { origin, cookie: `pleno_token=${first.json.token}` }),
    ];
    // A second login, made a moment later, expires later: its console must outlive the first.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await login(server, demo.chair);
    const later = await staff(server, second.json.token, { role: 'chair' });

    const closes = await Promise.all(clients.map((client) => client.waitClosed(LIFETIME_S * 1000 + 8000)));
    for (const close of closes) {
      assert.equal(close.code, 1000);
      assert.ok(close.at >= expiresAt - 50, `closed ${expiresAt - close.at} ms before the expiry`);
      assert.ok(close.at - expiresAt < 1000, `closed ${close.at - expiresAt} ms after the expiry`);
    }
    assert.ok(later.isOpen(), 'the later login\'s console was closed with the first');
    assert.equal((await later.request({ type: 'ping' })).type, 'ack');
    assert.equal((await me(server, first.json.token)).status, 401);
    const again = await openClient(server.port);
    assert.equal((await again.hello({ role: 'moderator', token: first.json.token })).code, 'not_authenticated');

    // And the later login is closed at its own expiry, just as promptly.
    const laterClose = await later.waitClosed(LIFETIME_S * 1000 + 8000);
    assert.equal(laterClose.code, 1000);
    assert.ok(laterClose.at - second.json.expires_at < 1000 && laterClose.at >= second.json.expires_at - 50,
      `the second login closed ${laterClose.at - second.json.expires_at} ms after its expiry`);
  });
});

describe('idle expiry', () => {
  let server;
  const IDLE_S = 2;
  before(async () => { server = await startServer({ config: { auth: { login_idle_expiry_seconds: IDLE_S } } }); });
  after(() => server?.stop());

  test('an unused token stops working once it has been idle that long, not before', async () => {
    const reply = await login(server, demo.moderator);
    const { token } = reply.json;
    assert.equal((await me(server, token)).status, 200);
    const refusedAt = await until(async () => ((await me(server, token)).status === 401 ? Date.now() : 0),
      { ms: IDLE_S * 1000 + 5000, what: 'the idle token to be refused' });
    const after = refusedAt - reply.at;
    assert.ok(after >= IDLE_S * 1000 - 100, `refused ${after} ms after the login, before the idle time`);
    assert.ok(after < IDLE_S * 1000 + 1000, `still accepted ${after} ms after the login`);
  });

  test('a token held by a live console does not go idle: the console stays, a new hello with it is accepted', async () => {
    const { token } = (await login(server, demo.moderator)).json;
    const desk = await staff(server, token);
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 2500));
    assert.ok(desk.isOpen(), 'the console was closed');
    const tab = await staff(server, token);  // asserts the welcome
    assert.equal((await me(server, token)).status, 200);
    tab.close();
    desk.close();
  });
});

describe('login throttling with the default limits', () => {
  let server;
  before(async () => { server = await startServer({ config: { auth: DEFAULT_LOGIN_LIMITS } }); });
  after(() => server?.stop());

  test('per account: 5 attempts (successful ones count), then 429 too_many_attempts even with the right password', async () => {
    const from = '127.0.0.3';
    const statuses = [];
    for (let i = 0; i < 5; ++i) {
      const wrong = i >= 3;
      statuses.push((await login(server, demo.chair, { localAddress: from, password: wrong ? 'wrong-password' : demo.chair.password })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 401, 401]);
    const sixth = await login(server, demo.chair, { localAddress: from });
    assert.equal(sixth.status, 429, sixth.body);
    assert.equal(sixth.json.code, 'too_many_attempts');
    const elsewhere = await login(server, demo.chair, { localAddress: '127.0.0.4' });
    assert.equal(elsewhere.status, 429, 'the account limit does not depend on the address');
  });

  test('per account: another account from the same address is not held back', async () => {
    const reply = await login(server, demo.moderator, { localAddress: '127.0.0.3' });
    assert.equal(reply.status, 200, reply.body);
  });

  test('unknown names are throttled like real accounts (nothing tells them apart)', async () => {
    const statuses = [];
    for (let i = 0; i < 6; ++i) statuses.push((await login(server, { name: 'nadie', password: 'x' }, { localAddress: '127.0.0.5' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });

  test('per address: 20 attempts, then 429 even for a valid account with the right password', async () => {
    const from = '127.0.0.6';
    for (let i = 0; i < 20; ++i) {
      const reply = await login(server, { name: `visitante-${i}`, password: 'x' }, { localAddress: from });
      assert.equal(reply.status, 401, `attempt ${i + 1}: ${reply.body}`);
    }
    const blocked = await login(server, demo.moderator, { localAddress: from });
    assert.equal(blocked.status, 429, blocked.body);
    assert.equal(blocked.json.code, 'too_many_attempts');
    const otherAddress = await login(server, demo.moderator, { localAddress: '127.0.0.7' });
    assert.equal(otherAddress.status, 200, `the same account from another address: ${otherAddress.body}`);
  });
});

// ---------------------------------------------------------------------------

async function cpuTicks(pid) {
  // /proc/PID/stat: fields 14 and 15 (utime, stime) after the ")" of the name.
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function memoryKiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

describe(`a flood of ${FLOOD_LOGINS} concurrent logins`, () => {
  const HASH_THREADS = 1;
  const TICKS_PER_SECOND = 100;  // USER_HZ on Linux
  const ARGON2_MIB = 19;
  let server;
  const flood = {};

  before(async () => {
    server = await startServer({
      config: {
        auth: {
          concurrent_password_hashes: HASH_THREADS,
          login_per_account: { per_seconds: 1, burst: 100000 },
          login_per_address: { per_seconds: 1, burst: 100000 },
        },
        limits: { connections_per_address: FLOOD_LOGINS + 100 },
      },
    });
    const { token } = (await login(server, demo.moderator)).json;  // also computes the decoy hash once
    const moderator = await staff(server, token);
    const viewer = await openClient(server.port);
    assert.equal((await viewer.hello({ role: 'viewer' })).type, 'welcome');
    const citizen = await openClient(server.port);
    assert.equal((await citizen.hello({ role: 'citizen' })).type, 'welcome');
    const postIds = [];
    for (let i = 0; i < 40; ++i) {
      const ack = await citizen.request({ type: 'submit_post', client_id: `flood-${i}`, author: 'Vecina', text: `Pregunta ${i} durante la avalancha` });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      postIds.push(ack.post.id);
    }
    citizen.close();

    await new Promise((resolve) => setTimeout(resolve, 300));
    flood.memoryBefore = await memoryKiB(server.pid);
    const cpuBefore = await cpuTicks(server.pid);
    const started = Date.now();
    let done = false;
    const samples = [];
    const sampler = (async () => {
      while (!done) {
        samples.push(await memoryKiB(server.pid));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const pings = [];
    const pinger = (async () => {
      while (!done) {
        const sent = Date.now();
        const ack = await viewer.request({ type: 'ping' });
        assert.equal(ack.type, 'ack');
        pings.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const approvals = [];
    const approver = (async () => {
      for (const id of postIds) {
        if (done) break;
        const sent = Date.now();
        const ack = await moderator.request({ type: 'approve', post_id: id });
        assert.equal(ack.type, 'ack', JSON.stringify(ack));
        approvals.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();

    // Mostly wrong passwords for names that do not exist, some for a real
    // account, a few right ones: every kind costs one Argon2id check.
    const attempts = Array.from({ length: FLOOD_LOGINS }, (_, i) => {
      if (i % 20 === 0) return { name: demo.moderator.name, password: demo.moderator.password };
      if (i % 4 === 0) return { name: demo.moderator.name, password: `wrong-${i}` };
      return { name: `flood-${i}`, password: `wrong-${i}` };
    });
    flood.answers = await Promise.all(attempts.map((body) =>
      httpJson(server.port, 'POST', '/api/login', { body, timeout: 120000 }).then((reply) => ({ ...reply, right: body.password === demo.moderator.password }))));
    flood.seconds = (Date.now() - started) / 1000;
    flood.cpuCores = (await cpuTicks(server.pid) - cpuBefore) / TICKS_PER_SECOND / flood.seconds;
    done = true;
    await Promise.all([sampler, pinger, approver]);
    flood.samples = samples;
    flood.memoryAfter = await memoryKiB(server.pid);
    flood.pings = pings;
    flood.approvals = approvals;
    flood.moderator = moderator;
    flood.viewer = viewer;
    const busy = flood.answers.filter((answer) => answer.status === 429).length;
    console.log(`# flood: ${FLOOD_LOGINS} logins in ${flood.seconds.toFixed(2)} s, ${busy} refused busy, ` +
      `CPU ${flood.cpuCores.toFixed(2)} cores, RSS ${flood.memoryBefore.rss} → max ${Math.max(...samples.map((s) => s.rss))} → ${flood.memoryAfter.rss} KiB, ` +
      `${pings.length} pings p99 ${percentile(pings, 99)} ms, ${approvals.length} approvals max ${Math.max(...approvals)} ms`);
  });

  after(async () => {
    flood.moderator?.close();
    flood.viewer?.close();
    await server?.stop();
  });

  test('the password checks are capped: some logins are refused 429 "busy", every other one is answered', () => {
    const byStatus = {};
    for (const answer of flood.answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    const busy = flood.answers.filter((answer) => answer.status === 429);
    assert.ok(busy.length > 0, `no login was refused: ${JSON.stringify(byStatus)}`);
    for (const answer of busy) {
      assert.equal(answer.json.code, 'too_many_attempts');
      assert.match(answer.json.message, /busy/);
    }
    for (const answer of flood.answers.filter((a) => a.status !== 429)) {
      assert.equal(answer.status, answer.right ? 200 : 401, `a login answered ${answer.status}: ${answer.body}`);
    }
    assert.ok(byStatus[401] > 0, `no password was checked at all: ${JSON.stringify(byStatus)}`);
  });

  test(`the server's CPU use stays near ${HASH_THREADS} core during the flood`, () => {
    assert.ok(flood.cpuCores < HASH_THREADS + 0.6, `the server used ${flood.cpuCores.toFixed(2)} cores`);
  });

  test('a viewer\'s pings keep answering during the flood (p99 < 500 ms)', () => {
    assert.ok(flood.pings.length >= 10, `only ${flood.pings.length} pings during the flood`);
    const p99 = percentile(flood.pings, 99);
    assert.ok(p99 < 500, `ping p99 ${p99} ms over ${flood.pings.length} pings`);
  });

  test('a moderator logged in before the flood keeps approving quickly (p99 < 500 ms)', () => {
    assert.ok(flood.approvals.length >= 5, `only ${flood.approvals.length} approvals during the flood`);
    const p99 = percentile(flood.approvals, 99);
    assert.ok(p99 < 500, `approve p99 ${p99} ms over ${flood.approvals.length} approvals`);
  });

  test(`memory stays bounded: at most ${HASH_THREADS} × ${ARGON2_MIB} MiB of Argon2id plus 48 MiB over the start, and it comes back`, () => {
    const before = flood.memoryBefore.rss;
    // VmHWM counts from the start; it tells something only if it rose during the flood.
    const hwm = flood.memoryAfter.peak > flood.memoryBefore.peak ? flood.memoryAfter.peak : 0;
    const peak = Math.max(hwm, ...flood.samples.map((sample) => sample.rss));
    const allowance = (HASH_THREADS * ARGON2_MIB + 48) * 1024;
    assert.ok(peak - before < allowance, `RSS rose by ${peak - before} KiB (allowed ${allowance})`);
    // Under AddressSanitizer (CTest sets PLENO_SANITIZED) freed blocks wait in its quarantine first.
    const staysMiB = process.env.PLENO_SANITIZED === '1' ? 96 : 32;
    assert.ok(flood.memoryAfter.rss - before < staysMiB * 1024, `RSS stayed ${flood.memoryAfter.rss - before} KiB higher after the flood (bound ${staysMiB} MiB)`);
  });

  test('right after the flood a login succeeds, and the tokens given during it are valid', async () => {
    const reply = await until(async () => {
      const answer = await login(server, demo.chair);
      return answer.status === 200 ? answer : null;
    }, { ms: 10000, what: 'a login to succeed after the flood' });
    assert.equal(reply.json.account, demo.chair.name);
    const granted = flood.answers.filter((answer) => answer.status === 200);
    for (const answer of granted.slice(0, 5)) assert.equal((await me(server, answer.json.token)).status, 200);
  });
});
