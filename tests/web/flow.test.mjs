// The whole session through the three pages, as people use them: a citizen
// posts from a phone, a moderator decides with the keyboard, the chair moves
// the agenda, and every page (the citizen's, a second viewer's, the console's
// projector preview) follows at once. No protocol shortcuts: only the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, watchPage, demo } from './harness.mjs';

// Pages of other contexts may be in the background, where animation frames
// do not come: poll on a timer.
const polling = { polling: 100 };

let server;
let browser;
const watchers = [];
let citizen;     // a phone
let viewer;      // another phone that only reads
let moderator;   // the console
let chair;       // the chair's page

async function open(options, pathname) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  watchers.push(watchPage(page));
  await page.goto(server.url + pathname);
  return page;
}

async function logIn(page, account) {
  await page.fill('#login-name', account.name);
  await page.fill('#login-password', account.password);
  await page.press('#login-password', 'Enter');
  await page.locator('#app').waitFor({ state: 'visible' });
}

async function post(page, author, text) {
  await page.fill('#author', author);
  await page.fill('#text', text);
  await page.click('#send');
  const mine = page.locator('#my-posts li.my-post', { hasText: text });
  await mine.waitFor();
  return mine;
}

// Moves the console's selection with J until the post with this text is selected.
async function selectInQueue(page, text) {
  const target = page.locator('#queue li.queue-post', { hasText: text });
  await target.waitFor();
  await page.locator('#queue').click({ position: { x: 5, y: 5 } }).catch(() => {});
  for (let step = 0; step < 50; step += 1) {
    if (await target.getAttribute('aria-selected') === 'true') return target;
    await page.keyboard.press('j');
  }
  throw new Error(`could not select "${text}" with J`);
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'es-ES' };
  citizen = await open(phone, '/');
  viewer = await open({ ...phone, locale: 'ca-ES' }, '/');
  moderator = await open({ locale: 'es-ES' }, '/moderate');
  await logIn(moderator, demo.moderator);
  chair = await open({ locale: 'es-ES' }, '/chair');
  await logIn(chair, demo.chair);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a citizen posts, the moderator approves with the keyboard, the post reaches the citizen, a viewer and the preview', async () => {
  const text = 'Pido que el pleno se emita también por la radio municipal.';
  await post(citizen, 'Dolores', text);
  await citizen.locator('#my-posts li.my-post[data-status="pending"]', { hasText: text }).waitFor();

  const queued = await selectInQueue(moderator, text);
  const postId = await queued.getAttribute('data-post-id');
  await moderator.keyboard.press('a');
  await moderator.locator(`#queue li.queue-post[data-post-id="${postId}"]`).waitFor({ state: 'detached' });

  await citizen.locator(`#my-posts li.my-post[data-status="approved"]`, { hasText: text }).waitFor();
  for (const page of [citizen, viewer]) {
    const onWall = page.locator(`#wall li.post[data-post-id="${postId}"]`);
    await onWall.waitFor();
    assert.equal(await onWall.locator('.post-text').textContent(), text);
    assert.equal(await onWall.locator('.post-author').textContent(), 'Dolores');
  }
  await moderator.locator(`#preview .preview-post[data-post-id="${postId}"]`).waitFor();
});

test('a rejection with its reason and note reaches the citizen, and never the wall', async () => {
  const text = 'Esto no tiene nada que ver con el punto del orden del día.';
  await post(citizen, 'Dolores', text);
  const queued = await selectInQueue(moderator, text);
  const postId = await queued.getAttribute('data-post-id');
  await moderator.keyboard.press('r');
  await moderator.locator('#reject-panel').waitFor({ state: 'visible' });
  await moderator.fill('#reject-detail', 'Podrá decirlo en el turno de ruegos y preguntas.');
  await moderator.click('#reject-panel button[data-reason="off_topic"]');
  await moderator.locator(`#queue li.queue-post[data-post-id="${postId}"]`).waitFor({ state: 'detached' });

  const rejected = citizen.locator('#my-posts li.my-post[data-status="rejected"]', { hasText: text });
  await rejected.waitFor();
  const reason = await rejected.locator('.reason').textContent();
  assert.match(reason, /turno de ruegos y preguntas/);
  assert.equal(await viewer.locator(`#wall li.post[data-post-id="${postId}"]`).count(), 0);
});

test('hiding an approved post takes it off every wall and the preview', async () => {
  const text = 'Mensaje aprobado por error que hay que retirar.';
  await post(citizen, 'Dolores', text);
  const queued = await selectInQueue(moderator, text);
  const postId = await queued.getAttribute('data-post-id');
  await moderator.keyboard.press('a');
  await viewer.locator(`#wall li.post[data-post-id="${postId}"]`).waitFor();
  // H hides the post this console approved last.
  await moderator.keyboard.press('h');
  for (const page of [citizen, viewer]) {
    await page.locator(`#wall li.post[data-post-id="${postId}"]`).waitFor({ state: 'detached' });
  }
  await moderator.locator(`#preview .preview-post[data-post-id="${postId}"]`).waitFor({ state: 'detached' });
  await citizen.locator('#my-posts li.my-post[data-status="hidden"]', { hasText: text }).waitFor();
});

test('the chair moves the agenda item and every page follows without a reload', async () => {
  const items = chair.locator('button.set-current');
  const count = await items.count();
  assert.ok(count >= 3);
  const before = await citizen.locator('#current-item').textContent();
  const previous = await chair.locator('button.set-current[aria-current="true"]').getAttribute('data-item-id');
  await chair.click('#item-next');
  const current = chair.locator(`button.set-current[aria-current="true"]:not([data-item-id="${previous}"])`);
  await current.waitFor();
  const afterNext = await current.getAttribute('data-item-id');
  const wanted = await chair.evaluate(async (id) => {
    const response = await fetch('/api/session');
    const body = await response.json();
    const item = body.session.agenda.find((entry) => entry.id === Number(id));
    return `${item.number}. ${item.title}`;
  }, afterNext);
  for (const [page, selector] of [[citizen, '#current-item'], [viewer, '#current-item'], [moderator, '#preview-item']]) {
    await page.waitForFunction(([s, text]) => document.querySelector(s)?.textContent.includes(text), [selector, wanted], polling);
  }
  assert.notEqual(await citizen.locator('#current-item').textContent(), before);

  // Picking the last item directly.
  await items.nth(count - 1).click();
  await chair.locator('button.set-current').nth(count - 1).and(chair.locator('[aria-current="true"]')).waitFor();
  const last = await chair.evaluate(async () => {
    const body = await (await fetch('/api/session')).json();
    const item = body.session.agenda.at(-1);
    return `${item.number}. ${item.title}`;
  });
  for (const page of [citizen, viewer]) {
    await page.waitForFunction((text) => document.querySelector('#current-item')?.textContent.includes(text), last, polling);
  }
});

test('no page reported an error', () => {
  for (const watcher of watchers) watcher.assertClean();
});
