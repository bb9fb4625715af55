// Suite 8 (issue 5): crashes. The server is killed with SIGKILL at random
// moments while citizens post and a moderator approves, rejects and hides
// through WebSockets; after each kill it is started again on the same data
// folder, and the database must hold every acknowledged post and decision
// exactly once, events numbered 1..N with no gap, PRAGMA integrity_check ok,
// and an audit log that matches the state (see lib/durability.mjs). Posts
// whose ack never arrived are resent with the same client_id after the
// restart and must be stored at most once.
//
// Short form (CI): 10 kills. Long form: PLENO_SUITE_LONG=1 (50 kills), or
// PLENO_CRASH_KILLS=N. PLENO_SUITE_SEED=N replays a run's random choices
// (the seed is printed). Needs PLENO_SERVER_BINARY (CTest sets it) and the
// sqlite3 CLI.
//
//   PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/crashes.test.mjs
//   PLENO_SUITE_LONG=1 PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/crashes.test.mjs
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { startServer } from '../web/harness.mjs';
import { Scenario, checkDatabase, longForm, readDatabase, seededRandom, suiteSeed } from './lib/durability.mjs';

const kills = Number(process.env.PLENO_CRASH_KILLS || (longForm ? 50 : 10));
// The kills must all happen within this time (the ASan build is ~3x slower;
// CTest stops the file at 600 s).
const budgetMs = Number(process.env.PLENO_CRASH_BUDGET_MS || (longForm ? 3000 : 420) * 1000);

test(`kill -9 at ${kills} random moments under posts and decisions: every acknowledged post and decision is stored exactly once, seq has no gap, integrity_check is ok, the audit log matches the state`, async (t) => {
  const seed = suiteSeed();
  t.diagnostic(`PLENO_SUITE_SEED=${seed}`);
  process.stderr.write(`crashes: PLENO_SUITE_SEED=${seed}\n`);
  const scenario = new Scenario({ startServer, random: seededRandom(seed), note: (line) => t.diagnostic(line) });
  await scenario.setup(await mkdtemp(path.join(tmpdir(), 'pleno-crash-')));
  const started = Date.now();
  try {
    while (scenario.cycles < kills) {
      assert.ok(Date.now() - started < budgetMs,
        `only ${scenario.cycles} of ${kills} kills within ${budgetMs / 1000} s (raise PLENO_CRASH_BUDGET_MS on a slow machine)`);
      const before = scenario.cycles;
      const problems = await scenario.cycle();
      assert.deepEqual(problems, [], `${before === 0 ? 'at the first start' : `after kill ${before}`} (seed ${seed}), the restarted server's database:\n${problems.join('\n')}`);
    }
    const problems = await scenario.finish();
    assert.deepEqual(problems, [], `after the last kill (seed ${seed}):\n${problems.join('\n')}`);
    const summary = scenario.ledger.summary();
    t.diagnostic(`${JSON.stringify(summary)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The load really ran: many acknowledged posts and decisions, some requests cut short by the kills.
    assert.ok(summary.acknowledged >= kills * 5, `only ${summary.acknowledged} posts acknowledged`);
    assert.ok(summary.decisionAcks >= kills * 2, `only ${summary.decisionAcks} decisions acknowledged`);
    assert.ok(summary.resent > 0, 'no post was ever in flight at a kill: the kills did not land under load');
  } finally {
    await scenario.cleanup();
  }
});

// The checks themselves, on a database doctored after a clean run: each kind
// of damage the crash suite looks for is reported (so a pass means something).
test('the checker reports a missing acknowledged post, a lost decision, a seq gap, a missing or a stray audit row, and a double post', async () => {
  const folder = await mkdtemp(path.join(tmpdir(), 'pleno-crash-check-'));
  const scenario = new Scenario({ startServer, random: seededRandom(7) });
  try {
    await scenario.setup(folder);
    await scenario.cycle();
    const clean = await scenario.finish();
    assert.deepEqual(clean, []);
    const db = await readDatabase(scenario.databaseFile());
    const ledger = scenario.ledger;
    const acked = ledger.acknowledgedPosts()[0];
    const decided = [...ledger.decisions.entries()].find(([, decision]) => decision.decided === 'approved' && !decision.hidden);
    assert.ok(acked && decided, 'the run acknowledged posts and approvals');
    const copy = () => structuredClone(db);
    const report = (changed) => checkDatabase(changed, ledger).join('\n');

    let changed = copy();
    changed.posts = changed.posts.filter((post) => post.id !== acked.id);
    assert.match(report(changed), new RegExp(`acknowledged post ${acked.clientId} .* is missing`));

    changed = copy();
    changed.posts.find((post) => post.id === decided[0]).status = 'pending';
    assert.match(report(changed), new RegExp(`post ${decided[0]}: acknowledged approved, stored status pending`));

    changed = copy();
    changed.events.splice(Math.floor(changed.events.length / 2), 1);
    assert.match(report(changed), /a gap or a repeat/);

    changed = copy();
    const submitted = changed.audit.findIndex((row) => row.action === 'post_approved' && row.target === `post:${decided[0]}`);
    changed.audit.splice(submitted, 1);
    assert.match(report(changed), new RegExp(`post ${decided[0]} \\(approved\\): 0 audit rows post_approved`));

    changed = copy();
    changed.audit.push({ id: 999999, at: 1, actor: 'moderadora', action: 'post_rejected', target: 'post:999999',
      detail: JSON.stringify({ session_id: 1, seq: 999999 }) });
    assert.match(report(changed), /audit row 999999 .* not stored/);

    changed = copy();
    changed.posts.push({ ...changed.posts.find((post) => post.id === acked.id), id: 999998 });
    assert.match(report(changed), new RegExp(`post ${acked.clientId} of .* stored twice`));

    changed = copy();
    changed.integrity = ['*** in database main ***', 'Page 5: btreeInitPage() returns error code 11'];
    assert.match(report(changed), /integrity_check: \*\*\* in database main/);

  } finally {
    await scenario.cleanup();
  }
});
