// Suite 7 of issue 5: floods and slow clients, against the real server with
// its default limits (a per-address cap of 20 connections, a citizen's posts
// at one per 20 s after a burst of 3, 60 new citizens per address at once).
//
//   - A flood: 500 citizens (each its own identity), from 25 loopback
//     addresses (127.0.0.2 to .26, 20 each: the cap), send 100 posts each as
//     fast as they can. Every post is answered, by an ack or by rate_limited
//     (with retry_after_seconds >= 1); each citizen gets its burst of 3 plus
//     what the refill allows over its own run, no more and no less; the
//     database holds exactly the acknowledged posts (none of the refused ones).
//     Meanwhile a moderator on /ws/staff approves two posts in three and
//     rejects the third, as they arrive: every action is answered and every
//     accepted post decided, as the database shows (p99 printed, and bounded
//     generously: speed targets are benchmarks, docs/performance.md); the
//     server's memory stays within a bound and the server stays up.
//   - The per-address cap: from one address, exactly 20 connections; the next
//     ones are refused with 429 too_many_connections; after some close, new ones
//     are accepted.
//   - Slow clients (slowhttptest, Debian's): slow headers, slow body and slow
//     read, 1,000 connections each, all at once: the server lets go of every
//     one by its deadlines (10 s here: the request deadline for the first two;
//     the write and idle deadline for the slow reader): its open descriptors
//     come back to where they were within the deadline plus a margin, and
//     during the attack a normal client gets the citizen page and a WebSocket
//     welcome quickly.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: 300 posts per citizen in 30 rounds, one
//                        every 2 s (a minute of flood, the refill at work), and
//                        3,000 slow clients of each kind arriving over 30 s, for
//                        60 s (CI: 100 posts at once; 1,000 slow clients, 25 s)
//   PLENO_SANITIZED=1    the server runs under ASan (CTest sets it): wider
//                        memory and latency bounds
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/floods.test.mjs
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startServer, demo } from '../web/harness.mjs';
import { openClient, httpJson } from './lib/pleno-client.mjs';

const run = promisify(execFile);
const LONG = process.env.PLENO_SUITE_LONG === '1';
// Under AddressSanitizer (CTest says so) freed memory waits in a quarantine of up
// to 256 MiB and every block has redzones, and the server runs about three times
// slower: the bounds below allow for that, and stay bounds.
const SANITIZED = process.env.PLENO_SANITIZED === '1';
// The server's growth during the flood, counted once the 500 citizens are
// connected: the requests and answers in flight, the buffers they grow and a
// few thousand accepted posts took 17 to 24 MiB. 64 MiB leaves room for the
// allocator and still catches a leak of 1 KiB per refused post (48,500 of them
// in CI, 147,500 in the long form).
const MEMORY_BOUND_MIB = SANITIZED ? 1024 : 64;
const PROBE_BOUND_MS = SANITIZED ? 8000 : 3000;
const CITIZENS = 500;
const POSTS_EACH = LONG ? 300 : 100;
// CI: each citizen sends its 100 posts at once. Long: 300 in 30 rounds of 10,
// one round every 2 s, so that for a minute the refill (one post per 20 s) is
// what the limit lets through.
const ROUNDS = LONG ? 30 : 1;
const ROUND_GAP_MS = 2000;
const ADDRESSES = 25;
// Slow clients: each attack opens SLOW_CONNECTIONS at SLOW_RATE a second for
// SLOW_SECONDS. CI: 1,000 at once (in 2 s); long: 3,000 arriving over 30 s, so
// that the deadlines cut them while more keep coming (about 1,000 open at a time).
const SLOW_SECONDS = LONG ? 60 : 25;
const SLOW_CONNECTIONS = LONG ? 3000 : 1000;
const SLOW_RATE = LONG ? 100 : 500;
// The deadlines under test: the request's (headers and body) and the idle one
// (which also bounds a write to a client that does not read).
const DEADLINE_SECONDS = 10;
// How long after an attacker connects the server may take, beyond its deadline,
// to let go of it: timers are checked on a loaded machine, and the attackers
// start together with the watch.
const DEADLINE_SLACK_SECONDS = SANITIZED ? 10 : 6;
const DEFAULT_COUNCIL = {
  posts_per_citizen: { per_seconds: 20, burst: 3 },
  new_citizens_per_address: { per_seconds: 5, burst: 60 },
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function residentKiB(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(text)[1]);
}

const figures = [];
after(() => { if (figures.length) console.log(`# ${figures.join('\n# ')}`); });

describe('a flood of posts', () => {
  test(`${CITIZENS} citizens × ${POSTS_EACH} posts: rate limits answer the excess, a moderator keeps working, memory stays bounded`,
    { timeout: 600000 }, async () => {
      const server = await startServer({ config: { council: DEFAULT_COUNCIL, limits: { connections_per_address: 20 } } });
      const citizens = [];
      try {
        const login = await server.login(demo.moderator);
        for (let i = 0; i < CITIZENS; i += 1) {
          const localAddress = `127.0.0.${2 + (i % ADDRESSES)}`;
          const citizen = await openClient(server.port, { localAddress, timeout: 120000 });
          const welcome = await citizen.hello({ role: 'citizen' });
          assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
          citizens.push(citizen);
        }
        const rssBefore = await residentKiB(server.pid);
        let rssPeak = rssBefore;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            rssPeak = Math.max(rssPeak, await residentKiB(server.pid));
            await sleep(100);
          }
        })().catch((error) => error);  // read below; ends quietly with the server if the test failed first

        // The moderator decides whatever the flood lets through, in its own thread.
        const worker = new Worker(new URL('./lib/moderator-worker.mjs', import.meta.url), { workerData: { port: server.port, token: login.token } });
        let workerReady;
        const ready = new Promise((resolve) => { workerReady = resolve; });
        const workerResult = new Promise((resolve, reject) => {
          worker.on('message', (message) => { if (message.ready) workerReady(); else resolve(message); });
          worker.on('error', reject);
        });
        await Promise.race([ready, workerResult]);
        await sleep(300);

        const floodStarted = Date.now();
        const perRound = POSTS_EACH / ROUNDS;
        const outcomes = await Promise.all(citizens.map(async (citizen, index) => {
          const pending = [];
          let firstSent = 0;
          let lastSent = 0;
          for (let round = 0; round < ROUNDS; round += 1) {
            const wait = floodStarted + round * ROUND_GAP_MS - Date.now();
            if (wait > 0) await sleep(wait);
            lastSent = Date.now();
            if (round === 0) firstSent = lastSent;
            for (let n = round * perRound; n < (round + 1) * perRound; n += 1) {
              pending.push(citizen.request({ type: 'submit_post', client_id: `flood-${index}-${n}`, author: `Flood ${index}`,
                text: `Mensaje ${n} de la vecina ${index}`, session_id: 1 }));
            }
          }
          const answers = await Promise.all(pending);
          const received = answers.map((answer) => answer.receivedAt);
          return { answers, firstSent, lastSent, firstAnswered: Math.min(...received), lastAnswered: Math.max(...received) };
        }));
        const floodSeconds = (Date.now() - floodStarted) / 1000;

        // Each citizen's bucket starts full (3) when the server takes its first post
        // (between firstSent and firstAnswered) and refills at one per 20 s. The
        // server took the last accepted post before lastAnswered: at most
        // burst + floor((lastAnswered - firstSent) / 20) pass. Each round comes 2 s
        // after the last, so a refilled token waits at most one round: the last
        // round (sent at lastSent, taken after it) finds at least
        // burst + floor((lastSent - firstAnswered) / 20) in all.
        const burst = DEFAULT_COUNCIL.posts_per_citizen.burst;
        const refillSeconds = DEFAULT_COUNCIL.posts_per_citizen.per_seconds;
        const ackedPosts = new Map();  // post id -> client_id
        let grantedTotal = 0;
        const limitedClientIds = new Set();
        for (const [index, { answers, firstSent, lastSent, firstAnswered, lastAnswered }] of outcomes.entries()) {
          const acks = answers.filter((a) => a.type === 'ack');
          const errors = answers.filter((a) => a.type === 'error');
          for (const error of errors) {
            assert.equal(error.code, 'rate_limited', `citizen ${index}: ${JSON.stringify(error)}`);
            assert.ok(error.details?.retry_after_seconds >= 1, `citizen ${index}: ${JSON.stringify(error)}`);
          }
          assert.equal(acks.length + errors.length, POSTS_EACH, `citizen ${index}: every post answered`);
          const allowed = burst + Math.floor((lastAnswered - firstSent) / 1000 / refillSeconds + 1e-6);
          // 50 ms for the two clocks (the server's steady one, Date.now() here) and their rounding.
          const granted = burst + Math.floor(Math.max(0, lastSent - firstAnswered - 50) / 1000 / refillSeconds);
          assert.ok(acks.length >= granted && acks.length <= allowed,
            `citizen ${index}: ${acks.length} accepted (burst ${burst}, then 1 per ${refillSeconds} s: between ${granted} and ${allowed}; ` +
            `sent from ${firstSent - floodStarted} to ${lastSent - floodStarted} ms, answered from ${firstAnswered - floodStarted} to ${lastAnswered - floodStarted} ms)`);
          grantedTotal += granted;
          for (const [n, answer] of answers.entries()) {
            if (answer.type === 'ack') {
              assert.equal(answer.post?.client_id, `flood-${index}-${n}`, JSON.stringify(answer));
              assert.notEqual(answer.duplicate, true, JSON.stringify(answer));
              ackedPosts.set(answer.post.id, answer.post.client_id);
            } else {
              limitedClientIds.add(`flood-${index}-${n}`);
            }
          }
        }
        const acknowledged = ackedPosts.size;
        const limited = limitedClientIds.size;

        // The moderator finishes deciding what arrived, then reports.
        worker.postMessage({ stopAfter: acknowledged });
        const { actionsMs, failures, approved, rejected } = await workerResult;
        await worker.terminate();
        sampling = false;
        assert.equal(await sampler, undefined, 'the server\'s memory could be read throughout');
        assert.deepEqual(failures, [], 'every moderator action is acknowledged');
        assert.equal(approved.length + rejected.length, acknowledged, 'the moderator saw and decided every accepted post');

        // The database: exactly the acknowledged posts, with the moderator's decisions.
        const { stdout } = await run('sqlite3', ['-readonly', '-json', path.join(server.dataDir, 'data', 'pleno.db'),
          "SELECT id, client_id, status FROM posts WHERE author LIKE 'Flood %' ORDER BY id"], { maxBuffer: 64 * 1024 * 1024 });
        const stored = stdout.trim() ? JSON.parse(stdout) : [];
        assert.equal(stored.length, acknowledged, 'the database holds exactly the acknowledged posts');
        const approvedIds = new Set(approved);
        for (const row of stored) {
          assert.equal(ackedPosts.get(row.id), row.client_id, `stored post ${row.id} (${row.client_id}) was acknowledged as such`);
          assert.ok(!limitedClientIds.has(row.client_id), `a rate-limited post was stored: ${row.client_id}`);
          assert.equal(row.status, approvedIds.has(row.id) ? 'approved' : 'rejected', `post ${row.id}`);
        }
        assert.ok(actionsMs.length > 0);
        const p50 = percentile(actionsMs, 50);
        const p99 = percentile(actionsMs, 99);
        const grownMiB = (rssPeak - rssBefore) / 1024;
        figures.push(`flood: ${CITIZENS * POSTS_EACH} posts in ${floodSeconds.toFixed(1)} s (${ROUNDS} round${ROUNDS > 1 ? 's' : ''}), ` +
          `${acknowledged} accepted (at least ${grantedTotal} due), ` +
          `${limited} rate_limited; moderator: ${actionsMs.length} actions (${approved.length} approvals, ${rejected.length} rejections), ` +
          `p50 ${p50} ms, p99 ${p99} ms, ` +
          `max ${Math.max(...actionsMs)} ms; server RSS ${Math.round(rssBefore / 1024)} -> peak ${Math.round(rssPeak / 1024)} MiB`);
        assert.ok(p99 < 2000, `the moderator's p99 ${p99} ms: starved by the flood`);
        assert.ok(grownMiB < MEMORY_BOUND_MIB, `the server grew by ${grownMiB.toFixed(0)} MiB during the flood (bound ${MEMORY_BOUND_MIB})`);
        const health = await httpJson(server.port, 'GET', '/healthz');
        assert.equal(health.status, 200);
      } finally {
        for (const citizen of citizens) citizen.close();
        await server.stop();
      }
    });
});

describe('the per-address connection cap', () => {
  test('from one address exactly 20 connections; the next are refused with 429; after some close, new ones get in', async () => {
    const server = await startServer({ config: { limits: { connections_per_address: 20 } } });
    const open = [];
    try {
      for (let i = 0; i < 20; i += 1) open.push(await openClient(server.port, { localAddress: '127.0.0.77' }));
      for (let i = 0; i < 10; i += 1) {
        await assert.rejects(openClient(server.port, { localAddress: '127.0.0.77' }), (error) => {
          assert.equal(error.status, 429, error.message);
          assert.equal(error.json?.code, 'too_many_connections');
          return true;
        });
      }
      // Another address is not held back.
      const other = await openClient(server.port, { localAddress: '127.0.0.78' });
      other.close();
      for (const client of open.splice(0, 5)) {
        client.close();
        await client.waitClosed();
      }
      await sleep(300);  // the server releases a closed connection's place asynchronously
      for (let i = 0; i < 5; i += 1) open.push(await openClient(server.port, { localAddress: '127.0.0.77' }));
      await assert.rejects(openClient(server.port, { localAddress: '127.0.0.77' }), (error) => error.status === 429);
    } finally {
      for (const client of open) client.close();
      await server.stop();
    }
  });
});

describe('slow clients (slowhttptest)', () => {
  test(`slow headers, slow body and slow read, ${SLOW_CONNECTIONS} connections each for ${SLOW_SECONDS} s: closed by the deadlines, the service stays available`,
    { timeout: (SLOW_SECONDS + 120) * 1000 }, async () => {
      // Room for every attacker from 127.0.0.1: the deadlines, not the cap, are under test.
      const server = await startServer({ config: { limits: { connections_per_address: 3 * SLOW_CONNECTIONS + 2000,
        handshake_timeout_seconds: DEADLINE_SECONDS, http_idle_timeout_seconds: DEADLINE_SECONDS } } });
      const folder = await mkdtemp(path.join(os.tmpdir(), 'pleno-slow-'));
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const attack = (name, args) => new Promise((resolve) => {
          // 1,000 sockets need more than the usual 1,024 descriptors' soft limit.
          const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec slowhttptest "$@"', 'slowhttptest',
            ...args, '-c', String(SLOW_CONNECTIONS), '-r', String(SLOW_RATE), '-l', String(SLOW_SECONDS), '-p', '3', '-g', '-o', path.join(folder, name)],
          { stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk) => { output += chunk; });
          child.stderr.on('data', (chunk) => { output += chunk; });
          child.on('close', (code) => resolve({ name, code, output }));
        });
        const attacks = Promise.all([
          attack('headers', ['-H', '-i', '3', '-x', '24', '-u', `${base}/`]),
          attack('body', ['-B', '-i', '3', '-s', '8192', '-u', `${base}/api/login`]),
          attack('read', ['-X', '-k', '3', '-n', '3', '-w', '10', '-y', '20', '-z', '10', '-u', `${base}/js/moderate.js`]),
        ]);

        // The server's open descriptors: what it still holds for the attackers.
        const descriptors = async () => (await readdir(`/proc/${server.pid}/fd`)).length;
        const baseline = await descriptors();
        const held = [];
        const watching = (async () => {
          const started = Date.now();
          while (Date.now() - started < (SLOW_SECONDS - 2) * 1000) {
            held.push({ at: Date.now() - started, count: await descriptors() });
            await sleep(500);
          }
        })();

        // A normal visitor during the attack, every second: the citizen page, then a WebSocket welcome.
        const probesMs = [];
        const probing = (async () => {
          await sleep(3000);
          while (probesMs.length < SLOW_SECONDS - 6) {
            const started = Date.now();
            const page = await httpJson(server.port, 'GET', '/', { localAddress: '127.0.0.9', timeout: PROBE_BOUND_MS });
            assert.equal(page.status, 200);
            assert.match(page.body, /\/js\/citizen\.js/, 'the citizen page');
            const visitor = await openClient(server.port, { localAddress: '127.0.0.9', timeout: PROBE_BOUND_MS });
            assert.equal((await visitor.hello({ role: 'viewer' })).type, 'welcome');
            visitor.close();
            probesMs.push(Date.now() - started);
            await sleep(1000);
          }
        })();
        const results = await attacks;
        await probing;
        await watching;
        const peakHeld = Math.max(...held.map((h) => h.count));
        const finalHeld = held[held.length - 1].count;
        // The last attacker connects at about rampMs; its deadline ends DEADLINE_SECONDS later.
        const rampMs = (SLOW_CONNECTIONS / SLOW_RATE) * 1000;
        const emptiedAt = held.find((h) => h.at > rampMs && h.count <= baseline + 100)?.at;
        // At most this many attackers can be open at once: all of them, or those of one deadline.
        const openAtOnce = 3 * Math.min(SLOW_CONNECTIONS, SLOW_RATE * DEADLINE_SECONDS);
        figures.push(`slow clients: the server held ${baseline} descriptors before, ${peakHeld} at the peak, ` +
          `${finalHeld} after ${Math.round(held[held.length - 1].at / 1000)} s (back to its baseline ${emptiedAt === undefined ? 'never' : `after ${(emptiedAt / 1000).toFixed(1)} s`})`);
        assert.ok(peakHeld >= baseline + 0.8 * openAtOnce, `the attack reached the server (${peakHeld} descriptors at most)`);
        const emptiedBound = rampMs + (DEADLINE_SECONDS + DEADLINE_SLACK_SECONDS) * 1000;
        assert.ok(emptiedAt !== undefined && emptiedAt <= emptiedBound,
          `the server let go of the attackers ${emptiedAt === undefined ? 'never' : `after ${emptiedAt} ms`}: ` +
          `the ${DEADLINE_SECONDS} s deadlines should have done it within ${emptiedBound} ms`);
        assert.ok(finalHeld <= baseline + 100, `the server still holds ${finalHeld - baseline} attackers' connections: a deadline is missing`);

        for (const { name, output } of results) {
          const csv = (await readFile(path.join(folder, `${name}.csv`), 'utf8')).trim().split('\n').slice(1)
            .map((line) => line.split(',').map(Number));
          const peakConnected = Math.max(...csv.map((row) => row[3]));
          const last = csv[csv.length - 1];
          const closed = last[1];
          const connected = last[3];
          figures.push(`slow ${name}: peak ${peakConnected} connected, at the end ${closed} closed by the server, ${connected} still open ` +
            `(${output.includes('No open connections left') ? 'the server closed them all before the end' : 'at the test time limit'})`);
          // slowhttptest stops early when the server has closed every connection.
          const allClosed = output.includes('No open connections left');
          const expectedConnected = name === 'read' ? SLOW_CONNECTIONS : openAtOnce / 3;
          assert.ok(peakConnected >= 0.9 * expectedConnected, `${name}: the attack got its connections (${peakConnected})`);
          if (name !== 'read') {
            // Headers and bodies that never end are cut by the server (slowhttptest sees the close).
            assert.ok(allClosed || connected <= 50, `${name}: ${connected} connections still open at the end: a deadline is missing`);
          }
          // A slow reader's answer may sit whole in the kernel's send buffer: the server
          // has let go of it (see the descriptors above) while the client still reads it.
        }
        const p99 = percentile(probesMs, 99);
        figures.push(`during the slow clients: ${probesMs.length} probes (citizen page + WebSocket welcome), p50 ${percentile(probesMs, 50)} ms, max ${Math.max(...probesMs)} ms`);
        assert.ok(p99 < PROBE_BOUND_MS, `a normal client waited ${p99} ms (bound ${PROBE_BOUND_MS})`);
      } finally {
        await server.stop();
        await rm(folder, { recursive: true, force: true });
      }
    });
});
