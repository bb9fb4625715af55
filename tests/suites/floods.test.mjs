// Suite 7 of issue 5: floods and slow clients, against the real server with
// its default limits (a per-address cap of 20 connections, a citizen's posts
// at one per 20 s after a burst of 3, 60 new citizens per address at once).
//
//   - A flood: 500 citizens, from 25 loopback addresses (127.0.0.2 to .26, 20
//     each: the cap), send 100 posts each as fast as they can. Every post is
//     answered, by an ack or by rate_limited; each citizen gets its burst of 3
//     and no more than the rate allows; the database holds exactly the
//     acknowledged posts. Meanwhile a moderator on /ws/staff approves what
//     arrives: every action is answered (p99 printed, and bounded generously:
//     speed targets are benchmarks, docs/performance.md), and the server's
//     memory stays within a bound and the server stays up.
//   - The per-address cap: from one address, exactly 20 connections; the next
//     ones are refused with 429 too_many_connections; after some close, new ones
//     are accepted.
//   - Slow clients (slowhttptest, Debian's): slow headers, slow body and slow
//     read, 1,000 connections each, all at once: the server lets go of every
//     one by its deadlines (the request deadline for the first two; the write
//     and idle deadlines for the slow reader): its open descriptors come back
//     to where they were before the attack ends, and during the attack a
//     normal client gets /healthz and a WebSocket welcome quickly.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: the flood lasts longer (300 posts per
//                        citizen) and the slow clients get 60 s (CI: 100 posts, 25 s)
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
const MEMORY_BOUND_MIB = SANITIZED ? 1024 : 256;
const PROBE_BOUND_MS = SANITIZED ? 8000 : 3000;
const CITIZENS = 500;
const POSTS_EACH = LONG ? 300 : 100;
const ADDRESSES = 25;
const SLOW_SECONDS = LONG ? 60 : 25;
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
        })();

        // The moderator approves whatever the flood lets through, in its own thread.
        const worker = new Worker(new URL('./lib/moderator-worker.mjs', import.meta.url), { workerData: { port: server.port, token: login.token } });
        const workerResult = new Promise((resolve, reject) => {
          worker.on('message', (message) => { if (!message.ready) resolve(message); });
          worker.on('error', reject);
        });
        await new Promise((resolve) => worker.once('message', resolve));
        await sleep(300);

        const floodStarted = Date.now();
        const outcomes = await Promise.all(citizens.map(async (citizen, index) => {
          const answers = await Promise.all(Array.from({ length: POSTS_EACH }, (_, n) =>
            citizen.request({ type: 'submit_post', client_id: `flood-${index}-${n}`, author: `Flood ${index}`,
              text: `Mensaje ${n} de la vecina ${index}`, session_id: 1 })));
          return { answers, seconds: (Date.now() - floodStarted) / 1000 };
        }));
        const floodSeconds = (Date.now() - floodStarted) / 1000;
        await sleep(500);  // the last approvals
        worker.postMessage('stop');
        const { actionsMs, failures, approved } = await workerResult;
        await worker.terminate();
        sampling = false;
        await sampler;
        assert.deepEqual(failures, [], 'every moderator action is acknowledged');

        let acknowledged = 0;
        let limited = 0;
        for (const [index, { answers, seconds }] of outcomes.entries()) {
          const acks = answers.filter((a) => a.type === 'ack').length;
          const errors = answers.filter((a) => a.type === 'error');
          for (const error of errors) assert.equal(error.code, 'rate_limited', `citizen ${index}: ${JSON.stringify(error)}`);
          assert.equal(acks + errors.length, POSTS_EACH, `citizen ${index}: every post answered`);
          const allowed = 3 + Math.floor(seconds / 20) + 1;
          assert.ok(acks >= 3 && acks <= allowed, `citizen ${index}: ${acks} accepted in ${seconds} s (burst 3, then 1 per 20 s)`);
          acknowledged += acks;
          limited += errors.length;
        }
        const { stdout } = await run('sqlite3', [path.join(server.dataDir, 'data', 'pleno.db'),
          "SELECT COUNT(*) FROM posts WHERE author LIKE 'Flood %'"]);
        assert.equal(Number(stdout.trim()), acknowledged, 'the database holds exactly the acknowledged posts');
        assert.ok(actionsMs.length > 0);
        const p50 = percentile(actionsMs, 50);
        const p99 = percentile(actionsMs, 99);
        const grownMiB = (rssPeak - rssBefore) / 1024;
        figures.push(`flood: ${CITIZENS * POSTS_EACH} posts in ${floodSeconds.toFixed(1)} s, ${acknowledged} accepted, ` +
          `${limited} rate_limited; moderator: ${actionsMs.length} actions (${approved} approvals), p50 ${p50} ms, p99 ${p99} ms, ` +
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
      for (let i = 0; i < 5; i += 1) {
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
  test(`slow headers, slow body and slow read, 1,000 connections each for ${SLOW_SECONDS} s: closed by the deadlines, the service stays available`,
    { timeout: (SLOW_SECONDS + 120) * 1000 }, async () => {
      // Room for 3,000 connections from 127.0.0.1: the deadlines, not the cap, are under test.
      const server = await startServer({ config: { limits: { connections_per_address: 5000, http_idle_timeout_seconds: 10 } } });
      const folder = await mkdtemp(path.join(os.tmpdir(), 'pleno-slow-'));
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const attack = (name, args) => new Promise((resolve) => {
          // 1,000 sockets need more than the usual 1,024 descriptors' soft limit.
          const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec slowhttptest "$@"', 'slowhttptest',
            ...args, '-c', '1000', '-r', '500', '-l', String(SLOW_SECONDS), '-p', '3', '-g', '-o', path.join(folder, name)],
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

        // A normal visitor during the attack, every second.
        const probesMs = [];
        const probing = (async () => {
          await sleep(3000);
          while (probesMs.length < SLOW_SECONDS - 6) {
            const started = Date.now();
            const health = await httpJson(server.port, 'GET', '/healthz', { localAddress: '127.0.0.9', timeout: 5000 });
            assert.equal(health.status, 200);
            const viewer = await openClient(server.port, { localAddress: '127.0.0.9', timeout: 5000 });
            assert.equal((await viewer.hello({ role: 'viewer' })).type, 'welcome');
            viewer.close();
            probesMs.push(Date.now() - started);
            await sleep(1000);
          }
        })();
        const results = await attacks;
        await probing;
        await watching;
        const peakHeld = Math.max(...held.map((h) => h.count));
        const finalHeld = held[held.length - 1].count;
        const emptiedAt = held.find((h) => h.at > 3000 && h.count <= baseline + 100)?.at;
        figures.push(`slow clients: the server held ${baseline} descriptors before, ${peakHeld} at the peak, ` +
          `${finalHeld} after ${Math.round(held[held.length - 1].at / 1000)} s (back to its baseline ${emptiedAt === undefined ? 'never' : `after ${(emptiedAt / 1000).toFixed(1)} s`})`);
        assert.ok(peakHeld >= baseline + 2500, `the attack reached the server (${peakHeld} descriptors at most)`);
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
          assert.ok(peakConnected >= 900, `${name}: the attack got its connections (${peakConnected})`);
          if (name !== 'read') {
            // Headers and bodies that never end are cut by the server (slowhttptest sees the close).
            assert.ok(allClosed || connected <= 50, `${name}: ${connected} connections still open at the end: a deadline is missing`);
          }
          // A slow reader's answer may sit whole in the kernel's send buffer: the server
          // has let go of it (see the descriptors above) while the client still reads it.
        }
        const p99 = percentile(probesMs, 99);
        figures.push(`during the slow clients: ${probesMs.length} probes (healthz + WebSocket welcome), p50 ${percentile(probesMs, 50)} ms, max ${Math.max(...probesMs)} ms`);
        assert.ok(p99 < PROBE_BOUND_MS, `a normal client waited ${p99} ms (bound ${PROBE_BOUND_MS})`);
      } finally {
        await server.stop();
        await rm(folder, { recursive: true, force: true });
      }
    });
});
