// Suite 3 of issue 5: Unicode display safety. A citizen's text reaches three
// audiences — the moderator's console (staff events and snapshots), the
// citizen wall (a viewer connection) and the projector (a `display`
// connection) — and must be, for all of them:
//   - clean by the rules of docs/protocol.md §1 "Text": NFC, no controls, no
//     bidirectional controls, no zero-width or other invisible characters, no
//     tag characters outside subdivision flags, blanks collapsed and trimmed,
//     line breaks only as LF in a post (at most one blank line) and none in a
//     name — checked by an independent checker (lib/unicode-corpus.mjs) and,
//     where the corpus states it, equal to the text worked out by hand;
//   - emoji sequences intact (ZWJ families, skin tones, flags, keycaps,
//     subdivision flags);
//   - byte-identical: the ack, the staff event, the moderator's snapshot,
//     the wall event and the projector event carry the same `text` and
//     `author`;
//   - unable to reorder or hide another post: every hostile post is sent
//     between two ordinary posts; the three are approved in order and every
//     audience receives three separate posts, with their own ids and texts,
//     in approval order, the neighbours unchanged; the hostile text keeps no
//     bidi control (so no embedding stays open) and no line break at its
//     ends.
// Strings the server must refuse (only invisible characters, too long once
// cleaned, lone surrogates, invalid UTF-8 bytes) get their error (or close
// 1007) and reach nobody. One test looks at the citizen page in chromium.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: every accepted string is also sent as
//                        the display name of a post and as the chair's
//                        overlay (one line), and checked the same way.
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/unicode.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demo, launchBrowser, newContext, watchPage, overflowingElements } from '../web/harness.mjs';
import { JsonClient, decodePng } from './lib/json-client.mjs';
import { accepted, refused, checkClean, BIDI_CONTROLS } from './lib/unicode-corpus.mjs';

const LONG = process.env.PLENO_SUITE_LONG === '1';
const SESSION = 1;

let server;
let citizen;    // posts
let moderator;  // approves; the console's view (staff events, snapshots)
let wall;       // a viewer: the citizen wall
let projector;  // a display connection with the demo display token
let chair;      // long form: overlays
let clientCounter = 0;
const approvedTriples = [];  // {before, hostile, after}: the posts as acknowledged

before(async () => {
  server = await startServer();
  const { token: moderatorToken } = await server.login(demo.moderator);
  citizen = await JsonClient.connect(server.port);
  assert.equal((await citizen.hello({ role: 'citizen', req: 'hello' })).type, 'welcome');
  moderator = await JsonClient.connect(server.port, { path: '/ws/staff' });
  assert.equal((await moderator.hello({ role: 'moderator', token: moderatorToken, req: 'hello' })).type, 'welcome');
  wall = await JsonClient.connect(server.port);
  assert.equal((await wall.hello({ role: 'viewer', req: 'hello' })).type, 'welcome');
  projector = await JsonClient.connect(server.port);
  const welcome = await projector.hello({ role: 'display', token: demo.displayToken, req: 'hello' });
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  assert.equal(welcome.role, 'display');
  if (LONG) {
    const { token } = await server.login(demo.chair);
    chair = await JsonClient.connect(server.port, { path: '/ws/staff' });
    assert.equal((await chair.hello({ role: 'chair', token, req: 'hello' })).type, 'welcome');
  }
});

after(async () => {
  for (const client of [citizen, moderator, wall, projector, chair]) client?.close();
  await server?.stop();
});

// ---------------------------------------------------------------------------
// Helpers

const utf8 = (text) => Buffer.from(text, 'utf8');

function assertSameBytes(actual, expected, what) {
  assert.equal(typeof actual, 'string', `${what}: not a string`);
  assert.ok(utf8(actual).equals(utf8(expected)), `${what}: ${JSON.stringify(actual)} is not byte-identical to ${JSON.stringify(expected)}`);
}

function assertClean(text, { singleLine, what }) {
  assert.deepEqual(checkClean(text, { singleLine }), [], `${what} ${JSON.stringify(text)} breaks the text rules`);
  assert.equal(text, text.normalize('NFC'), `${what} is NFC`);
  for (const control of BIDI_CONTROLS) assert.ok(!text.includes(String.fromCodePoint(control)), `${what} keeps no bidi control`);
  assert.ok(!/^\s|\s$/u.test(text), `${what} neither starts nor ends with a blank or a line break`);
}

// Sends submit_post with the text given as a JS string or as raw JSON (to
// write escapes exactly); returns the reply (ack or error).
function submit({ text, jsonText, author, clientId = `u${++clientCounter}` }) {
  const textJson = jsonText ?? JSON.stringify(text);
  return citizen.exchange(`{"type":"submit_post","req":${JSON.stringify(clientId)},"client_id":${JSON.stringify(clientId)},` +
    `"session_id":${SESSION},"author":${JSON.stringify(author)},"text":${textJson}}`);
}

async function submitOk(fields) {
  const reply = await submit(fields);
  assert.equal(reply?.type, 'ack', `submit_post accepted: ${JSON.stringify(reply)}`);
  assert.equal(reply.duplicate, false);
  return reply.post;
}

async function approve(postId) {
  const reply = await moderator.request({ type: 'approve', req: `approve-${postId}`, post_id: postId });
  assert.deepEqual({ type: reply?.type, req: reply?.req, post_id: reply?.post_id }, { type: 'ack', req: `approve-${postId}`, post_id: postId },
    `approve ${postId}: ${JSON.stringify(reply)}`);
}

// The post_approved events of `ids` an audience received since `mark`, in the
// order received; waits until all of them are there.
async function approvedEvents(client, ids, mark, who) {
  const wanted = new Set(ids);
  return client.waitUntil(() => {
    const found = client.received.slice(mark).filter((m) => m.type === 'post_approved' && wanted.has(m.post?.id));
    return found.length >= ids.length ? found : undefined;
  }, `${who}: post_approved of ${ids.join(', ')}`);
}

// Waits until every audience has received whatever the server sent it so
// far: list_sessions is answered after pending commits, and on the same
// connection after their events.
async function settle() {
  for (const client of [moderator, wall, projector]) {
    const reply = await client.request({ type: 'list_sessions', req: `settle-${client.received.length}` });
    assert.equal(reply?.type, 'ack', JSON.stringify(reply)?.slice(0, 200));
  }
}

// The moderator's snapshot after `follow` (its `decided` list holds the last
// 200 decided posts).
async function moderatorSnapshot() {
  const mark = moderator.received.length;
  const reply = await moderator.request({ type: 'follow', req: `follow-${mark}`, session_id: SESSION });
  assert.equal(reply?.type, 'ack', JSON.stringify(reply));
  return moderator.waitFor((m) => m.type === 'snapshot', 'the moderator snapshot', { from: mark });
}

// ---------------------------------------------------------------------------
// The checker checks

test('the independent checker accepts every expected text and flags every raw hostile one', () => {
  let flagged = 0;
  for (const entry of accepted) {
    for (const [raw, expected, singleLine] of [[entry.text, entry.expect, false], [entry.author, entry.authorExpect, true]]) {
      if (expected === undefined || raw === undefined) continue;
      assert.deepEqual(checkClean(expected, { singleLine }), [], `${entry.name}: the expected text is clean`);
      if (raw !== expected) {
        assert.notDeepEqual(checkClean(raw, { singleLine }), [], `${entry.name}: the raw text ${JSON.stringify(raw)} is flagged`);
        flagged += 1;
      }
    }
  }
  assert.ok(flagged >= 80, `the corpus has hostile strings the checker catches (${flagged})`);
  // And a few by hand, one per rule.
  assert.deepEqual(checkClean('ok'), []);
  for (const bad of ['e\u0301', 'a\u202eb', 'a\u200bb', 'a\u0007b', 'a\u2028b', 'a\r\nb', ' a', 'a ', 'a  b', 'a\n\n\nb', 'a\u200d', '\ufe0fa',
    `a${String.fromCodePoint(0xe0041)}`, '\n', '', 'a\ud800']) {
    assert.notDeepEqual(checkClean(bad), [], `flags ${JSON.stringify(bad)}`);
  }
  assert.notDeepEqual(checkClean('a\nb', { singleLine: true }), [], 'flags a line break in a name');
});

test(`the corpus: at least 100 strings (${accepted.length} accepted, ${refused.length} refused)`, () => {
  assert.ok(accepted.length + refused.length >= 100);
  assert.equal(new Set([...accepted, ...refused].map((entry) => `${entry.category}: ${entry.name}`)).size, accepted.length + refused.length, 'names are distinct');
  const categories = new Set(accepted.map((entry) => entry.category));
  for (const needed of ['bidi', 'zero-width', 'tags', 'controls', 'nfc', 'confusable', 'emoji', 'zalgo', 'variation', 'other']) {
    assert.ok(categories.has(needed), `category ${needed}`);
  }
});

// ---------------------------------------------------------------------------
// Accepted strings: clean, identical everywhere, between two neighbours

test('accepted strings: stored clean, identical for console, wall and projector, neighbours untouched', async (t) => {
  for (const [index, entry] of accepted.entries()) {
    await t.test(`${entry.category}: ${entry.name}`, async () => {
      const marks = { moderator: moderator.received.length, wall: wall.received.length, projector: projector.received.length };
      const beforeText = `Mensaje anterior ${index}: ¿cuándo abre la biblioteca?`;
      const afterText = `Mensaje siguiente ${index}: gracias por la retransmisión.`;
      const neighbourBefore = await submitOk({ text: beforeText, author: 'Vecina de antes' });
      const hostile = await submitOk({ text: entry.text, jsonText: entry.jsonText, author: entry.author ?? 'Vecino' });
      const neighbourAfter = await submitOk({ text: afterText, author: 'Vecino de después' });

      // What the ack returns: clean, NFC, as worked out by hand.
      assertClean(hostile.text, { singleLine: false, what: 'the stored text' });
      assertClean(hostile.author, { singleLine: true, what: 'the stored author' });
      if (entry.expect !== undefined) assertSameBytes(hostile.text, entry.expect, 'the stored text');
      if (entry.authorExpect !== undefined) assertSameBytes(hostile.author, entry.authorExpect, 'the stored author');
      if (entry.lookalikeOf) assert.notEqual(hostile.author, entry.lookalikeOf, 'a lookalike is not turned into the real name');
      assertSameBytes(neighbourBefore.text, beforeText, 'the previous post');
      assertSameBytes(neighbourAfter.text, afterText, 'the next post');

      // The moderator's queue got the same bytes.
      const submitted = await moderator.waitFor((m) => m.type === 'post_submitted' && m.post?.id === hostile.id, 'post_submitted', { from: marks.moderator });
      assertSameBytes(submitted.post.text, hostile.text, 'staff post_submitted text');
      assertSameBytes(submitted.post.author, hostile.author, 'staff post_submitted author');

      const ids = [neighbourBefore.id, hostile.id, neighbourAfter.id];
      assert.equal(new Set(ids).size, 3, 'three posts, three ids');
      for (const id of ids) await approve(id);

      const expected = [neighbourBefore, hostile, neighbourAfter];
      for (const [who, client] of [['moderator', moderator], ['wall', wall], ['projector', projector]]) {
        const events = await approvedEvents(client, ids, marks[who], who);
        assert.deepEqual(events.map((event) => event.post.id), ids, `${who}: three separate posts in approval order`);
        for (const [position, event] of events.entries()) {
          assertSameBytes(event.post.text, expected[position].text, `${who}: text of post ${event.post.id}`);
          assertSameBytes(event.post.author, expected[position].author, `${who}: author of post ${event.post.id}`);
        }
        assert.ok(events[0].seq < events[1].seq && events[1].seq < events[2].seq, `${who}: seq follows the approvals`);
      }

      // What the moderator's snapshot shows.
      const snapshot = await moderatorSnapshot();
      const decided = new Map(snapshot.decided.map((post) => [post.id, post]));
      for (const post of expected) {
        assert.ok(decided.has(post.id), `post ${post.id} is in the snapshot's decided list`);
        assertSameBytes(decided.get(post.id).text, post.text, `snapshot text of ${post.id}`);
        assertSameBytes(decided.get(post.id).author, post.author, `snapshot author of ${post.id}`);
      }
      approvedTriples.push({ before: neighbourBefore, hostile, after: neighbourAfter });
    });
  }
});

test('a fresh wall and a fresh projector get the same hostile posts, in order, byte for byte', async () => {
  const viewer = await JsonClient.connect(server.port);
  const display = await JsonClient.connect(server.port);
  try {
    await viewer.hello({ role: 'viewer' });
    await display.hello({ role: 'display', token: demo.displayToken });
    const wallSnapshot = viewer.received.find((m) => m.type === 'snapshot');
    const displaySnapshot = display.received.find((m) => m.type === 'snapshot');
    assert.ok(wallSnapshot && displaySnapshot);
    assert.ok(utf8(JSON.stringify(wallSnapshot.posts)).equals(utf8(JSON.stringify(displaySnapshot.posts))), 'wall and projector snapshots carry identical posts');
    const position = new Map(wallSnapshot.posts.map((post, index) => [post.id, index]));
    let checked = 0;
    for (const triple of approvedTriples) {
      const places = [triple.before, triple.hostile, triple.after].map((post) => position.get(post.id));
      if (places.some((place) => place === undefined)) continue;  // older than the snapshot's 200 posts
      assert.ok(places[0] < places[1] && places[1] < places[2], `posts ${triple.before.id}, ${triple.hostile.id}, ${triple.after.id} in approval order`);
      for (const post of [triple.before, triple.hostile, triple.after]) {
        const shown = wallSnapshot.posts[position.get(post.id)];
        assertSameBytes(shown.text, post.text, `snapshot text of ${post.id}`);
        assertSameBytes(shown.author, post.author, `snapshot author of ${post.id}`);
      }
      checked += 1;
    }
    assert.ok(checked >= 50, `at least 50 triples are in the snapshot (${checked})`);
  } finally {
    viewer.close();
    display.close();
  }
});

// ---------------------------------------------------------------------------
// Refused strings: the error, and nobody hears of them

test('refused strings: the exact error, nothing reaches any audience', async (t) => {
  for (const entry of refused) {
    await t.test(`${entry.category}: ${entry.name} → ${entry.refuse}`, async () => {
      await settle();
      const marks = { moderator: moderator.received.length, wall: wall.received.length, projector: projector.received.length };
      const clientId = `r${++clientCounter}`;
      if (entry.refuse === 1007) {
        // Raw bytes inside a text frame, from a citizen of its own.
        const sender = await JsonClient.connect(server.port);
        try {
          assert.equal((await sender.hello({ role: 'citizen' })).type, 'welcome');
          const frame = Buffer.concat([
            Buffer.from(`{"type":"submit_post","req":"${clientId}","client_id":"${clientId}","session_id":${SESSION},"author":"Vecina","text":"antes `),
            Buffer.from(entry.bytes),
            Buffer.from(' después"}'),
          ]);
          sender.send(frame);
          const reply = await sender.nextReply();
          assert.equal(reply, null, `no answer, the connection is closed: ${JSON.stringify(reply)}`);
          assert.equal((await sender.closed).code, 1007);
        } finally {
          sender.close();
        }
      } else {
        const reply = await submit({ text: entry.text ?? 'Texto correcto', jsonText: entry.json, author: entry.author ?? 'Vecina', clientId });
        const expectedReq = entry.refuse === 'bad_json' ? null : clientId;
        assert.deepEqual({ type: reply?.type, code: reply?.code, req: reply?.req }, { type: 'error', code: entry.refuse, req: expectedReq }, JSON.stringify(reply));
      }
      // Nothing was submitted: on each audience's connection, the answer to
      // list_sessions waits for pending commits and so comes after any
      // event the server would have sent for it.
      await settle();
      for (const [who, client] of [['moderator', moderator], ['wall', wall], ['projector', projector]]) {
        const events = client.received.slice(marks[who]).filter((m) => m.type?.startsWith('post_'));
        assert.deepEqual(events, [], `${who} heard of nothing`);
      }
    });
  }
});

// ---------------------------------------------------------------------------
// In a real browser: the citizen page

test('the citizen page shows each approved hostile post as text in its own li.post, in order', async () => {
  const shown = approvedTriples.slice(-40);
  assert.ok(shown.length >= 40, 'enough approved triples to look at');
  const browser = await launchBrowser();
  try {
    const context = await newContext(browser, { viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(server.url);
    const last = shown.at(-1).after.id;
    await page.locator(`#wall li.post[data-post-id="${last}"]`).waitFor({ timeout: 20000 });
    await page.evaluate(() => document.fonts.ready.then(() => true));
    const measure = () => page.$$eval('#wall li.post', (elements) => elements.map((element) => {
      const box = element.getBoundingClientRect();
      return {
        id: Number(element.dataset.postId),
        text: element.querySelector('.post-text')?.textContent ?? null,
        author: element.querySelector('.post-author')?.textContent ?? null,
        textElements: element.querySelector('.post-text')?.children.length ?? -1,
        top: box.top + window.scrollY,
        bottom: box.bottom + window.scrollY,
        left: box.left,
        right: box.right,
      };
    }));
    // The layout must hold still between measuring and the screenshot
    // (a late font or a re-render would move the posts).
    let items;
    let image;
    for (let attempt = 0; ; attempt += 1) {
      items = await measure();
      image = decodePng(await page.screenshot({ fullPage: true }));
      if (JSON.stringify(await measure()) === JSON.stringify(items)) break;
      assert.ok(attempt < 10, 'the page layout settles');
      await page.waitForTimeout(200);
    }
    const byId = new Map();
    for (const item of items) {
      assert.ok(!byId.has(item.id), `post ${item.id} has exactly one li.post`);
      byId.set(item.id, item);
    }
    for (const triple of shown) {
      const places = [];
      for (const post of [triple.before, triple.hostile, triple.after]) {
        const item = byId.get(post.id);
        assert.ok(item, `post ${post.id} is on the wall`);
        assert.equal(item.text, post.text, `post ${post.id}: the page shows the stored text`);
        assert.equal(item.author, post.author, `post ${post.id}: the page shows the stored author`);
        assert.equal(item.textElements, 0, `post ${post.id}: its text is text, no element`);
        places.push(items.indexOf(item));
      }
      // The wall shows the newest first: after, hostile, before.
      assert.ok(places[2] < places[1] && places[1] < places[0], `posts ${triple.before.id}..${triple.after.id} keep their order on the page`);
    }
    // Boxes follow each other: no post is laid out over another.
    for (let index = 1; index < items.length; index += 1) {
      assert.ok(items[index].top >= items[index - 1].bottom - 0.5, `li.post ${items[index].id} starts below ${items[index - 1].id}`);
    }
    // Nor painted over another: the strip of page between two posts stays
    // the page's background (stacked combining marks, for one, would cross
    // it). One screenshot of the whole page, read pixel by pixel.
    const scale = image.width / await page.evaluate(() => document.documentElement.clientWidth);
    const background = image.pixel(Math.round(items[0].left * scale) + 4, Math.round((items[0].top - 5) * scale)).join(',');
    const hostileIds = new Set(shown.map((triple) => triple.hostile.id));
    let gapsChecked = 0;
    for (let index = 1; index < items.length; index += 1) {
      const [upper, lower] = [items[index - 1], items[index]];
      if (!hostileIds.has(upper.id) && !hostileIds.has(lower.id)) continue;
      const top = Math.ceil(upper.bottom * scale) + 1;
      const bottom = Math.floor(lower.top * scale) - 2;
      assert.ok(bottom - top >= 4, `a gap between posts ${upper.id} and ${lower.id}`);
      const stray = [];
      for (let y = top; y <= bottom; y += 1) {
        for (let x = Math.ceil(upper.left * scale); x < Math.floor(upper.right * scale); x += 1) {
          if (image.pixel(x, y).join(',') !== background) stray.push(`(${x}, ${y})`);
        }
      }
      assert.deepEqual(stray.slice(0, 5), [], `nothing of post ${upper.id} or ${lower.id} is painted between them (${stray.length} pixels)`);
      gapsChecked += 1;
    }
    assert.ok(gapsChecked >= 80, `gaps checked: ${gapsChecked}`);
    assert.deepEqual(await overflowingElements(page), [], 'no post reaches past the edge of the page');
    watch.assertClean();
    await context.close();
  } finally {
    await browser.close();
  }
});

// ---------------------------------------------------------------------------
// Long form: the same strings as display names and as the chair's overlay

if (LONG) {
  test('long form: every accepted string as a display name and as the overlay', async (t) => {
    for (const entry of accepted) {
      if (entry.text === undefined) continue;
      await t.test(`${entry.category}: ${entry.name}`, async () => {
        const name = [...entry.text].slice(0, 40).join('');
        const reply = await submit({ text: 'Texto normal', author: name });
        if (reply.type === 'ack') {
          assertClean(reply.post.author, { singleLine: true, what: 'the stored author' });
          const marks = { moderator: moderator.received.length, wall: wall.received.length, projector: projector.received.length };
          await approve(reply.post.id);
          for (const [who, client] of [['moderator', moderator], ['wall', wall], ['projector', projector]]) {
            const [event] = await approvedEvents(client, [reply.post.id], marks[who], who);
            assertSameBytes(event.post.author, reply.post.author, `${who}: author`);
          }
        } else {
          assert.equal(reply.code, 'invalid_name', JSON.stringify(reply));
        }
        const marks = { moderator: moderator.received.length, wall: wall.received.length, projector: projector.received.length };
        const overlay = [...entry.text].slice(0, 120).join('');
        const set = await chair.request({ type: 'set_overlay', req: 'overlay', session_id: SESSION, text: overlay });
        if (set.type === 'error') {
          // NFC can lengthen a text (U+0344 becomes two marks): then it is over 120.
          assert.equal(set.code, 'text_too_long', JSON.stringify(set));
          assert.ok([...overlay.normalize('NFC')].length > 120, 'refused only when NFC makes it longer than 120');
          return;
        }
        assert.equal(set.type, 'ack', JSON.stringify(set));
        const texts = [];
        for (const [who, client] of [['moderator', moderator], ['wall', wall], ['projector', projector]]) {
          const event = await client.waitFor((m) => m.type === 'overlay_changed', `${who}: overlay_changed`, { from: marks[who] });
          texts.push(event.overlay);
        }
        if (texts[0] !== '') assertClean(texts[0], { singleLine: true, what: 'the overlay' });
        assertSameBytes(texts[1], texts[0], 'wall overlay');
        assertSameBytes(texts[2], texts[0], 'projector overlay');
      });
    }
  });
}
