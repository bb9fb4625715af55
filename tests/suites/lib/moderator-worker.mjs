// A moderator in its own thread (worker_threads), so that the time it measures
// is the server's and not a busy test process's: it connects to /ws/staff,
// approves every post that arrives (or pings when there is none), one action
// at a time, and on "stop" posts back each action's round trip in ms.
//   const worker = new Worker(new URL('./moderator-worker.mjs', import.meta.url), { workerData: { port, token } });
import { parentPort, workerData } from 'node:worker_threads';
import { openClient } from './pleno-client.mjs';

const moderator = await openClient(workerData.port, { path: '/ws/staff', timeout: 60000 });
const welcome = await moderator.hello({ role: 'moderator', token: workerData.token });
if (welcome.type !== 'welcome') throw new Error(`moderator hello: ${JSON.stringify(welcome)}`);
let running = true;
parentPort.on('message', (message) => { if (message === 'stop') running = false; });
parentPort.postMessage({ ready: true });

const actionsMs = [];
const failures = [];
const done = new Set();
while (running) {
  const pending = moderator.received.filter((m) => m.type === 'post_submitted' && !done.has(m.post.id)).slice(0, 20);
  const actions = pending.length ? pending.map((m) => ({ type: 'approve', post_id: m.post.id })) : [{ type: 'ping' }];
  for (const action of actions) {
    if (action.post_id) done.add(action.post_id);
    const started = Date.now();
    const answer = await moderator.request(action);
    actionsMs.push(Date.now() - started);
    if (answer.type !== 'ack') failures.push(answer);
  }
  if (!pending.length) await new Promise((resolve) => setTimeout(resolve, 20));
}
moderator.close();
parentPort.postMessage({ actionsMs, failures, approved: done.size });
