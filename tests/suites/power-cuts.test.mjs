// Suite 9 (issue 5): power cuts. The crash suite's load and checks (see
// crashes.test.mjs and lib/durability.mjs), but after each kill -9 the data
// folder keeps ONLY what was fsynced: the server runs with the LD_PRELOAD shim
// libpleno_fsync_shim.so (fsync_shim.c, which documents the model), which
// copies a data file at each fsync/fdatasync; after the kill every file is
// replaced by that copy, and files never synced are deleted (the -shm index
// among them: SQLite rebuilds it from the WAL).
//
// - synchronous=FULL (the server's setting): nothing acknowledged is lost.
// - synchronous=NORMAL (the test-only config key "test_synchronous"): the same
//   run must see an acknowledged post go missing. That proves the suite can
//   fail. With NORMAL, commits in WAL mode are not synced, so what was
//   acknowledged after the last checkpoint is lost at a cut; the run stops at
//   the first cut that shows a loss and fails if none does within its bound.
//
// Short form (CI): 5 cuts with FULL, at most 10 with NORMAL. Long form:
// PLENO_SUITE_LONG=1 (50 cuts with FULL), or PLENO_POWER_CUTS=N.
// PLENO_SUITE_SEED=N replays a run. The shim is found in build/tests/suites/
// (CTest's working folder is build/tests) or at PLENO_FSYNC_SHIM.
//
//   PLENO_SERVER_BINARY=build/server/pleno-server PLENO_FSYNC_SHIM=build/tests/suites/libpleno_fsync_shim.so \
//     node --test tests/suites/power-cuts.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { startServer } from '../web/harness.mjs';
import { Scenario, ensureFolder, isLoss, longForm, restoreShadows, seededRandom, suiteSeed } from './lib/durability.mjs';

const run = promisify(execFile);

const cuts = Number(process.env.PLENO_POWER_CUTS || (longForm ? 50 : 5));
const normalCutsAtMost = 10;
const budgetMs = Number(process.env.PLENO_POWER_BUDGET_MS || (longForm ? 3000 : 240) * 1000);

function findShim() {
  const candidates = [
    process.env.PLENO_FSYNC_SHIM,
    path.resolve('suites', 'libpleno_fsync_shim.so'),
    process.env.PLENO_SERVER_BINARY && path.resolve(path.dirname(process.env.PLENO_SERVER_BINARY), '..', 'tests', 'suites', 'libpleno_fsync_shim.so'),
  ].filter(Boolean);
  const found = candidates.find((candidate) => existsSync(candidate));
  assert.ok(found, `libpleno_fsync_shim.so not found (looked at ${candidates.join(', ')}); build it (tests/suites/CMakeLists.txt) or set PLENO_FSYNC_SHIM`);
  return found;
}

const shim = findShim();

function newScenario(t, seed, synchronous) {
  t.diagnostic(`PLENO_SUITE_SEED=${seed}`);
  process.stderr.write(`power cuts (${synchronous}): PLENO_SUITE_SEED=${seed}\n`);
  return new Scenario({ startServer, random: seededRandom(seed), powerCut: true, shim, synchronous, note: (line) => t.diagnostic(line) });
}

// The model on a plain process (node writing files with the shim preloaded),
// so that the two server runs below rest on a shim known to keep exactly what
// was synced.
test('the fsync shim keeps a file as it was at its last fsync or fdatasync, nothing of a file never synced, and forgets an unlinked one', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'pleno-shim-'));
  try {
    const data = await ensureFolder(path.join(folder, 'data'));
    const shadow = await ensureFolder(path.join(folder, 'shadow'));
    const script = `
      const fs = require('node:fs');
      const at = (name) => require('node:path').join(${JSON.stringify(data)}, name);
      let fd = fs.openSync(at('synced'), 'w');
      fs.writeSync(fd, 'first ');
      fs.fsyncSync(fd);
      fs.writeSync(fd, 'lost after the fsync');
      fd = fs.openSync(at('datasynced'), 'w');
      fs.writeSync(fd, 'kept by fdatasync');
      fs.fdatasyncSync(fd);
      fd = fs.openSync(at('never-synced'), 'w');
      fs.writeSync(fd, 'never reaches the disk');
      fd = fs.openSync(at('unlinked'), 'w');
      fs.writeSync(fd, 'synced, then unlinked');
      fs.fsyncSync(fd);
      fs.unlinkSync(at('unlinked'));
      fd = fs.openSync(${JSON.stringify(path.join(folder, 'outside'))}, 'w');
      fs.writeSync(fd, 'not in the watched folder');
      fs.fsyncSync(fd);
      process.kill(process.pid, 'SIGKILL');
    `;
    await run(process.execPath, ['-e', script], {
      env: { ...process.env, LD_PRELOAD: shim, PLENO_FSYNC_WATCH_DIR: data, PLENO_FSYNC_SHADOW_DIR: shadow },
    }).catch((error) => assert.equal(error.signal, 'SIGKILL', String(error)));
    assert.deepEqual((await readdir(shadow)).sort(), ['datasynced', 'synced']);
    const done = await restoreShadows(data, shadow);
    assert.deepEqual(done.dropped, ['never-synced']);
    assert.deepEqual((await readdir(data)).sort(), ['datasynced', 'synced']);
    assert.equal(await readFile(path.join(data, 'synced'), 'utf8'), 'first ');
    assert.equal(await readFile(path.join(data, 'datasynced'), 'utf8'), 'kept by fdatasync');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test(`synchronous=FULL: after ${cuts} power cuts under posts and decisions (only fsynced bytes survive), every acknowledged post and decision is stored exactly once, seq has no gap, integrity_check is ok, the audit log matches the state`, async (t) => {
  const scenario = newScenario(t, suiteSeed(), 'full');
  await scenario.setup(await mkdtemp(path.join(tmpdir(), 'pleno-power-full-')));
  const started = Date.now();
  try {
    while (scenario.cycles < cuts) {
      assert.ok(Date.now() - started < budgetMs,
        `only ${scenario.cycles} of ${cuts} power cuts within ${budgetMs / 1000} s (raise PLENO_POWER_BUDGET_MS on a slow machine)`);
      const before = scenario.cycles;
      const problems = await scenario.cycle();
      assert.deepEqual(problems, [], `${before === 0 ? 'at the first start' : `after power cut ${before}`}, the restarted server's database:\n${problems.join('\n')}`);
    }
    const problems = await scenario.finish();
    assert.deepEqual(problems, [], `after the last power cut:\n${problems.join('\n')}`);
    const summary = scenario.ledger.summary();
    t.diagnostic(`${JSON.stringify(summary)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(summary.acknowledged >= cuts * 5, `only ${summary.acknowledged} posts acknowledged`);
    assert.ok(summary.decisionAcks >= cuts * 2, `only ${summary.decisionAcks} decisions acknowledged`);
  } finally {
    await scenario.cleanup();
  }
});

test(`synchronous=NORMAL: the same power cuts lose an acknowledged post within ${normalCutsAtMost} cuts (the suite can fail), while the database stays consistent`, async (t) => {
  const scenario = newScenario(t, suiteSeed(), 'normal');
  await scenario.setup(await mkdtemp(path.join(tmpdir(), 'pleno-power-normal-')));
  try {
    let losses = [];
    let others = [];
    while (losses.length === 0 && scenario.cycles < normalCutsAtMost) {
      await scenario.cycle();  // its own check covers the previous cut, already examined below
      const server = await scenario.start();
      const problems = await scenario.check();
      await server.stop();
      losses = problems.filter(isLoss);
      others = problems.filter((problem) => !isLoss(problem));
    }
    assert.ok(losses.length > 0, `no acknowledged post was lost in ${scenario.cycles} power cuts with synchronous=NORMAL: `
      + 'the power-cut model does not see lost commits');
    t.diagnostic(`cut ${scenario.cycles} lost ${losses.length} acknowledged things, e.g. ${losses[0]}`);
    // Only acknowledged work went missing: NORMAL loses the last transactions
    // whole, it does not damage the database.
    assert.deepEqual(others, [], `besides the losses:\n${others.join('\n')}`);
  } finally {
    await scenario.cleanup();
  }
});

test('the test-only key test_synchronous accepts "full" and "normal" only', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'pleno-power-key-'));
  try {
    await assert.rejects(startServer({ dataDir: folder, keepData: true, config: { test_synchronous: 'off' } }),
      /test_synchronous: must be "full" or "normal"/);
    const server = await startServer({ dataDir: folder, keepData: true, config: { test_synchronous: 'normal' } });
    await server.stop();
    assert.match(server.log(), /WARNING: synchronous=NORMAL/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
