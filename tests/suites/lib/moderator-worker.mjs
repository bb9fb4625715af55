// A moderator in its own thread (worker_threads), so that the time it measures
// is the server's and not a busy test process's: it connects to /ws/staff,
// decides every post that arrives, one action at a time (every third one
// rejected with the first of the welcome's reasons, the others approved), pings
// when there is none, and once told how many posts to expect and all are
// decided, posts back each action's round trip in ms and the ids it approved
// and rejected.
//   const worker = new Worker(new URL('./moderator-worker.mjs', import.meta.url), { workerData: { port, token } });
import { parentPort, workerData } from 'node:worker_threads';
import { openClient } from './pleno-client.mjs';

const moderator = await openClient(workerData.port, { path: '/ws/staff', timeout: 60000 });
const welcome = await moderator.hello({ role: 'moderator', token: workerData.token });
if (welcome.type !== 'welcome') throw new Error(`moderator hello: ${JSON.stringify(welcome)}`);
const reason = welcome.reasons?.[0]?.code;
if (!reason) throw new Error(`moderator welcome without reasons: ${JSON.stringify(welcome.reasons)}`);
// {stopAfter: n}: stop once n posts have been decided (or 30 s later at most).
let stopAfter = Infinity;
let stopBy = Infinity;
parentPort.on('message', (message) => {
  if (message?.stopAfter !== undefined) {
    stopAfter = message.stopAfter;
    stopBy = Date.now() + 30000;
  }
});
parentPort.postMessage({ ready: true });

const actionsMs = [];
const failures = [];
const approved = [];
const rejected = [];
let seen = 0;  // how far into moderator.received the queue has been read
const queue = [];
while (approved.length + rejected.length < stopAfter && Date.now() < stopBy) {
  for (; seen < moderator.received.length; seen += 1) {
    const message = moderator.received[seen];
    if (message.type === 'post_submitted') queue.push(message.post.id);
  }
  const batch = queue.splice(0, 20);
  const actions = batch.length
    ? batch.map((postId, index) => ((approved.length + rejected.length + index) % 3 === 2
      ? { type: 'reject', post_id: postId, reason }
      : { type: 'approve', post_id: postId }))
    : [{ type: 'ping' }];
  for (const action of actions) {
    if (action.type === 'approve') approved.push(action.post_id);
    if (action.type === 'reject') rejected.push(action.post_id);
    const started = Date.now();
    const answer = await moderator.request(action);
    actionsMs.push(Date.now() - started);
    if (answer.type !== 'ack') failures.push({ action, answer });
  }
  if (!batch.length) await new Promise((resolve) => setTimeout(resolve, 20));
}
moderator.close();
parentPort.postMessage({ actionsMs, failures, approved, rejected });
