// Posts made of HTML and script payloads are shown as text, exactly as the
// server stored them, in the moderator console (queue, decided list, projector
// preview) and on the citizen wall; no script runs and no element is created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, watchPage, protocolPage, demo } from './harness.mjs';

const payloads = [
  '<script>alert(1)</script>',
  '<script>window.plenoPwned = 1</script>',
  '<img src=x onerror=alert(1)>',
  '<img src=x onerror="window.plenoPwned=1">',
  '<svg onload=alert(1)>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '"><script>alert(document.cookie)</script>',
  "'><img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">pincha aquí</a>',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<style>*{display:none !important}</style>',
  '<link rel=stylesheet href=//evil.example/x.css>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="https://evil.example"><input type=submit value=Votar></form>',
  '<input autofocus onfocus=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<marquee onstart=alert(1)>Vota sí</marquee>',
  'javascript:alert(1)',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;img src=x onerror=alert(1)&#62;',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<base href="https://evil.example/">',
  "{{constructor.constructor('alert(1)')()}}",
  '${alert(1)} `${window.plenoPwned=1}`',
  '<template><script>alert(1)</script></template>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<div style="background:url(javascript:alert(1))">fondo</div>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">datos</a>',
  '\'\';!--"<XSS>=&{()}',
  '<textarea></textarea><script>alert(1)</script>',
  '</li></ol></ul><script>alert(1)</script>',
  '<b>negrita</b> <i>cursiva</i> <u>subrayado</u>',
  'Línea uno<br>línea dos\n<hr>\nlínea tres',
];
const authors = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '"><b>Pepe</b>', 'Ana &amp; Luis', 'Vecina'];

let server;
let browser;
let wire;
let posts = [];   // {id, text, author} as the server stored them

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  wire = await protocolPage(browser, server);
  await wire.open('citizen', { role: 'citizen' });
  for (const [index, text] of payloads.entries()) {
    const ack = await wire.send('citizen', {
      type: 'submit_post', client_id: `xss-${index}`, author: authors[index % authors.length], text,
    });
    assert.equal(ack.type, 'ack', `payload ${index} accepted: ${JSON.stringify(ack)}`);
    posts.push({ id: ack.post.id, text: ack.post.text, author: ack.post.author });
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Nothing of the payloads ran or became markup on this page.
async function assertInert(page, container) {
  const state = await page.evaluate((selector) => ({
    pwned: window.plenoPwned,
    // elements a payload could have produced anywhere in the container
    injected: [...document.querySelectorAll(`${selector} .post-text *, ${selector} .post-author *`)].map((node) => node.outerHTML),
    foreign: [...document.querySelectorAll('script:not([src]), iframe, object, embed, marquee, base, meta[http-equiv], link[href*="evil"]')]
      .map((node) => node.outerHTML.slice(0, 80)),
  }), container);
  assert.equal(state.pwned, undefined, 'no payload script ran');
  assert.deepEqual(state.injected, [], 'post texts and authors hold no elements');
  assert.deepEqual(state.foreign, [], 'no payload element appeared in the document');
}

async function textsIn(page, selector) {
  return page.$$eval(selector, (items) => Object.fromEntries(items.map((item) => [
    item.dataset.postId,
    { text: item.querySelector('.post-text')?.textContent ?? null, author: item.querySelector('.post-author')?.textContent ?? null },
  ])));
}

test(`${payloads.length} HTML and script payloads are plain text in the moderator console, then on the citizen wall`, async () => {
  assert.ok(payloads.length >= 30);
  const staff = await newContext(browser);
  const console_ = await staff.newPage();
  const consoleWatch = watchPage(console_);
  await console_.goto(`${server.url}/moderate`);
  await console_.fill('#login-name', demo.moderator.name);
  await console_.fill('#login-password', demo.moderator.password);
  await console_.press('#login-password', 'Enter');
  await console_.locator(`#queue li.queue-post[data-post-id="${posts.at(-1).id}"]`).waitFor({ timeout: 15000 });

  const queued = await textsIn(console_, '#queue li.queue-post');
  for (const post of posts) {
    assert.deepEqual(queued[post.id], { text: post.text, author: post.author }, `queue shows post ${post.id} as text`);
  }
  await assertInert(console_, '#queue');

  const { token } = await server.login(demo.chair);
  await wire.open('approver', { role: 'moderator', token });
  for (const post of posts) {
    const ack = await wire.send('approver', { type: 'approve', post_id: post.id });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
  }
  // The console sees the decisions live: the queue empties of them.
  await console_.waitForFunction((ids) => ids.every((id) => !document.querySelector(`#queue li.queue-post[data-post-id="${id}"]`)),
    posts.map((post) => post.id), { timeout: 15000, polling: 100 });
  const decided = await textsIn(console_, '#decided li.decided-post');
  for (const post of posts) {
    if (decided[post.id]) assert.deepEqual(decided[post.id], { text: post.text, author: post.author }, `decided list, post ${post.id}`);
  }
  const preview = await textsIn(console_, '#preview .preview-post');
  assert.ok(Object.keys(preview).length > 0, 'the projector preview shows posts');
  for (const post of posts) {
    if (preview[post.id]) assert.equal(preview[post.id].text, post.text, `preview, post ${post.id}`);
  }
  await assertInert(console_, '#decided');
  await assertInert(console_, '#preview');

  const phone = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const wall = await phone.newPage();
  const wallWatch = watchPage(wall);
  await wall.goto(server.url);
  await wall.locator(`#wall li.post[data-post-id="${posts.at(-1).id}"]`).waitFor({ timeout: 15000 });
  const shown = await textsIn(wall, '#wall li.post');
  for (const post of posts) {
    assert.deepEqual(shown[post.id], { text: post.text, author: post.author }, `citizen wall shows post ${post.id} as text`);
  }
  await assertInert(wall, '#wall');

  consoleWatch.assertClean();
  wallWatch.assertClean();
  await staff.close();
  await phone.close();
});
