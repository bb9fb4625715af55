// Suite 10 of issue 5: the projector's network link cut and restored. The real
// pleno-display (SDL's offscreen driver) reaches the real server through a
// loopback proxy (./lib/cut-proxy.mjs) that the test stops (a pulled cable:
// nothing moves, nothing is closed) or resets (every connection dropped, new
// ones refused), then resumes. Meanwhile a citizen posts and a moderator
// approves and hides posts, straight on the server. The display writes what it
// shows to its --status-file (link state, the status line on the wall, the
// posts on the wall); for each cut the suite asserts:
//   - a cut of 15 s or more puts the offline indicator on the wall within 15 s;
//   - after the restore the display is back online within 30 s;
//   - then its wall has every approved post exactly once, in order, and none
//     of the posts hidden meanwhile: nothing missing, nothing doubled.
//
// Environment:
//   PLENO_SERVER_BINARY, PLENO_DISPLAY_BINARY  (CTest sets both)
//   PLENO_SUITE_LONG=1  the long form: 20 cuts of 5 s to 60 s, both kinds
//                       (CI: 3 cuts, about 30 s)
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server PLENO_DISPLAY_BINARY=build/display/pleno-display \
//        node --test tests/suites/display-network-loss.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, demo } from '../web/harness.mjs';
import { openClient } from './lib/pleno-client.mjs';
import { startCutProxy } from './lib/cut-proxy.mjs';

const LONG = process.env.PLENO_SUITE_LONG === '1';
const OFFLINE_WITHIN_MS = 15000;
const BACK_WITHIN_MS = 30000;

// [kind, seconds]: the short form covers both kinds and both sides of 15 s.
const CUTS = LONG
  ? Array.from({ length: 20 }, (_, i) => [i % 2 ? 'reset' : 'stop', [5, 60, 12, 45, 18, 30, 8, 52, 15, 25][i % 10] + (i >= 10 ? 1 : 0)])
  : [['reset', 5], ['stop', 16], ['stop', 5]];

let folder;
let server;
let proxy;
let display;
let displayLog = '';
let viewer;     // on the server directly: what the wall should show
let citizen;
let moderator;
let clientIds = 0;
const results = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function status() {
  try {
    return JSON.parse(await readFile(path.join(folder, 'status.json'), 'utf8'));
  } catch {
    return null;  // not written yet
  }
}

async function waitForStatus(predicate, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const current = await status();
    if (current && predicate(current)) return current;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${ms} ms; status ${JSON.stringify(current)}\n${displayLog.slice(-3000)}`);
    }
    await sleep(100);
  }
}

// The approved, visible posts as the server tells a viewer, oldest first.
function expectedWall() {
  const posts = new Map();
  for (const message of viewer.received) {
    if (message.type === 'snapshot') {
      posts.clear();
      for (const post of message.posts) posts.set(post.id, post);
    } else if (message.type === 'post_approved') {
      posts.set(message.post.id, message.post);
    } else if (message.type === 'post_hidden') {
      posts.delete(message.post_id ?? message.post?.id);
    }
  }
  return [...posts.values()].sort((a, b) => (a.approved_at - b.approved_at) || (a.id - b.id)).map((post) => post.id);
}

async function approveOne(label) {
  clientIds += 1;
  const ack = await citizen.request({ type: 'submit_post', client_id: `loss-${clientIds}`, author: 'Vecina',
    text: `Mensaje ${clientIds} (${label})`, session_id: 1 });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const decided = await moderator.request({ type: 'approve', post_id: ack.post.id });
  assert.equal(decided.type, 'ack', JSON.stringify(decided));
  await viewer.waitFor((m) => m.type === 'post_approved' && m.post.id === ack.post.id);
  return ack.post.id;
}

async function hideOne(postId) {
  const decided = await moderator.request({ type: 'hide', post_id: postId });
  assert.equal(decided.type, 'ack', JSON.stringify(decided));
  await viewer.waitFor((m) => m.type === 'post_hidden' && (m.post_id ?? m.post?.id) === postId);
}

before(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'pleno-loss-'));
  server = await startServer();
  proxy = await startCutProxy(server.port);
  const login = await server.login(demo.moderator);
  viewer = await openClient(server.port, { timeout: 30000 });
  await viewer.hello({ role: 'viewer' });
  await viewer.waitFor((m) => m.type === 'snapshot');
  citizen = await openClient(server.port);
  await citizen.hello({ role: 'citizen' });
  moderator = await openClient(server.port, { path: '/ws/staff' });
  await moderator.hello({ role: 'moderator', token: login.token });

  assert.ok(process.env.PLENO_DISPLAY_BINARY, 'PLENO_DISPLAY_BINARY is not set (CTest sets it)');
  display = spawn(process.env.PLENO_DISPLAY_BINARY, ['--windowed', '--size', '640x360',
    '--server', `ws://127.0.0.1:${proxy.port}/ws`, '--status-file', path.join(folder, 'status.json')], {
    env: { ...process.env, SDL_VIDEODRIVER: 'offscreen', SDL_AUDIODRIVER: 'dummy', PLENO_DISPLAY_TOKEN: demo.displayToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  display.stdout.on('data', (chunk) => { displayLog += chunk; });
  display.stderr.on('data', (chunk) => { displayLog += chunk; });
  const expected = expectedWall();
  await waitForStatus((s) => s.link === 'online' && JSON.stringify(s.posts) === JSON.stringify(expected), 20000,
    'the display online with the wall');
});

after(async () => {
  if (display && display.exitCode === null) {
    display.kill('SIGTERM');
    await new Promise((resolve) => display.once('close', resolve));
  }
  for (const client of [viewer, citizen, moderator]) client?.close();
  await proxy?.close();
  await server?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
  if (results.length) {
    const line = (r) => `${r.kind} ${r.seconds}s: indicator ${r.indicatorMs ?? '-'} ms, back ${r.backMs} ms, wall right ${r.wallMs} ms`;
    console.log(`# cuts:\n# ${results.map(line).join('\n# ')}`);
  }
});

for (const [index, [kind, seconds]] of CUTS.entries()) {
  test(`cut ${index + 1}: ${kind === 'stop' ? 'the link stops (nothing moves)' : 'every connection is dropped'} for ${seconds} s`,
    { timeout: (seconds + 90) * 1000 }, async () => {
      await approveOne('before the cut');
      const before = await waitForStatus((s) => s.link === 'online', 10000, 'online before the cut');
      const earlier = before.posts[before.posts.length - 1];

      const cutAt = Date.now();
      if (kind === 'stop') proxy.stop(); else proxy.reset();
      // During the cut: two approvals and a hidden post, and a look at the wall every 100 ms.
      const during = (async () => {
        await sleep(Math.min(2000, seconds * 300));
        await approveOne('during the cut');
        await hideOne(earlier);
        await approveOne('during the cut');
      })();
      let indicatorAt = null;
      while (Date.now() - cutAt < seconds * 1000) {
        const current = await status();
        if (indicatorAt === null && current && current.link !== 'online' && current.status_shown) indicatorAt = Date.now();
        await sleep(100);
      }
      await during;
      const restoredAt = Date.now();
      proxy.resume();

      const indicatorMs = indicatorAt === null ? null : indicatorAt - cutAt;
      if (seconds * 1000 >= OFFLINE_WITHIN_MS) {
        assert.ok(indicatorMs !== null, `no offline indicator during a ${seconds} s cut\n${displayLog.slice(-2000)}`);
        assert.ok(indicatorMs <= OFFLINE_WITHIN_MS, `the indicator came ${indicatorMs} ms after the cut`);
      }
      await waitForStatus((s) => s.link === 'online' && !s.status_shown, BACK_WITHIN_MS, 'back online after the restore');
      const backMs = Date.now() - restoredAt;
      const expected = expectedWall();
      const settled = await waitForStatus((s) => JSON.stringify(s.posts) === JSON.stringify(expected), 5000,
        `the wall equal to the server's ${JSON.stringify(expected)}`);
      const wallMs = Date.now() - restoredAt;
      assert.equal(new Set(settled.posts).size, settled.posts.length, 'a post shown twice');
      assert.ok(!settled.posts.includes(earlier), 'the post hidden during the cut is still on the wall');
      results.push({ kind, seconds, indicatorMs, backMs, wallMs });
    });
}

test('the display ran through every cut without a crash', () => {
  assert.equal(display.exitCode, null, `pleno-display ended:\n${displayLog.slice(-3000)}`);
  assert.doesNotMatch(displayLog, /AddressSanitizer|runtime error|LeakSanitizer/);
});
