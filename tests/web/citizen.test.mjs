// The citizen page (/): posting from a phone, the fate of one's posts
// (pending, approved, rejected with the reason, hidden), the live wall and
// agenda item, the outbox that survives a lost connection and a reload without
// ever posting twice, the page without a live session, the character count,
// the layout at 320 px and the basics of accessibility and languages.
// Moderator and chair actions go through the protocol (harness protocolPage).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newContext, watchPage, overflowingElements, protocolPage, keepScreenshot, demo,
} from './harness.mjs';

const phone = { width: 360, height: 740 };
const timeout = 15000;

let server;
let browser;
let wire;            // protocol clients: 'mod' (moderator), 'chair'
let moderatorToken;
let checks = 0;
let serial = 0;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  wire = await protocolPage(browser, server);
  moderatorToken = (await server.login(demo.moderator)).token;
  const chairToken = (await server.login(demo.chair)).token;
  await wire.open('mod', { role: 'moderator', token: moderatorToken });
  await wire.open('chair', { role: 'chair', token: chairToken });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// A unique text, so that lookups by text find one post.
function unique(text) {
  serial += 1;
  return `${text} (${serial}-${Date.now() % 100000})`;
}

async function openCitizen({ locale = 'es-ES', viewport = phone, context, url = server.url } = {}) {
  const ctx = context || await newContext(browser, { locale, viewport });
  const page = await ctx.newPage();
  const watcher = watchPage(page);
  await page.goto(url);
  await page.locator('#connection-status[data-state="open"]').waitFor({ timeout });
  return { context: ctx, page, watcher };
}

// Fills the form and sends; returns the new li.my-post and its client id.
async function postFrom(page, { author = 'Vecina', text, item } = {}) {
  await page.fill('#author', author);
  await page.fill('#text', text);
  if (item) await page.selectOption('#item', String(item));
  await page.click('#send');
  const entry = page.locator('#my-posts li.my-post').filter({ hasText: text });
  await entry.waitFor({ timeout });
  assert.equal(await page.inputValue('#text'), '', 'the form is cleared after sending');
  return { entry, clientId: await entry.getAttribute('data-client-id') };
}

const submitted = async (clientId) => (await wire.waitFor('mod',
  `m => m.type === 'post_submitted' && m.post.client_id === ${JSON.stringify(clientId)}`, timeout)).post;

async function moderate(message) {
  const answer = await wire.send('mod', message);
  assert.equal(answer.type, 'ack', JSON.stringify(answer));
  return answer;
}

// Every post the server holds with this text (queue and decided), as a fresh
// moderator connection sees them.
async function serverPostsWithText(text) {
  checks += 1;
  const name = `check-${checks}`;
  await wire.open(name, { role: 'moderator', token: moderatorToken });
  const snapshot = await wire.waitFor(name, "m => m.type === 'snapshot'", timeout);
  await wire.page.evaluate((n) => window.plenoClients[n].socket.close(), name);
  return [...snapshot.queue, ...snapshot.decided].filter((post) => post.text === text);
}

const wallEntry = (page, postId) => page.locator(`#wall li.post[data-post-id="${postId}"]`);

test('a citizen posts about another item; approved, the post shows as such and on every wall', async () => {
  const citizen = await openCitizen();
  const viewer = await openCitizen({ locale: 'en-GB', viewport: { width: 1280, height: 800 } });
  const { page } = citizen;
  assert.equal(await page.locator('#session-title').textContent(), demo.sessionTitle);
  assert.equal(await page.locator('#current-item').textContent(), '2. Presupuesto municipal 2027');
  assert.equal(await page.inputValue('#item'), '2', 'the current item is the default');

  const text = unique('¿Abrirá la biblioteca los sábados por la tarde también?');
  const { entry, clientId } = await postFrom(page, { author: 'Rosario', text, item: 4 });
  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="pending"]`).waitFor({ timeout });
  assert.equal((await entry.locator('.status').textContent()).trim(), 'Esperando la moderación');
  assert.equal(await entry.locator('.post-item').textContent(), '4. Horario de la biblioteca municipal');
  assert.equal(await page.inputValue('#author'), 'Rosario', 'the name stays in the form');

  const post = await submitted(clientId);
  assert.equal(post.item_id, 4, 'the chosen item was sent');
  assert.equal(post.author, 'Rosario');
  await moderate({ type: 'approve', post_id: post.id });

  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="approved"]`).waitFor({ timeout });
  assert.equal((await entry.locator('.status').textContent()).trim(), 'Publicado en la pantalla');
  for (const { page: wallPage } of [citizen, viewer]) {
    const onWall = wallEntry(wallPage, post.id);
    await onWall.waitFor({ timeout });
    assert.equal(await onWall.locator('.post-text').textContent(), text);
    assert.equal(await onWall.locator('.post-author').textContent(), 'Rosario');
    assert.equal(await onWall.locator('.post-item').textContent(), '4. Horario de la biblioteca municipal');
    assert.equal(await wallPage.locator('#wall li.post').first().getAttribute('data-post-id'), String(post.id), 'newest first');
  }
  // The name is kept on the device: a new page has it.
  const again = await citizen.context.newPage();
  const againWatch = watchPage(again);
  await again.goto(server.url);
  await again.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="approved"]`).waitFor({ timeout });
  assert.equal(await again.inputValue('#author'), 'Rosario');

  citizen.watcher.assertClean();
  viewer.watcher.assertClean();
  againWatch.assertClean();
  await citizen.context.close();
  await viewer.context.close();
});

test('a rejection reaches the citizen with the reason and the detail', async () => {
  const { context, page, watcher } = await openCitizen();
  const text = unique('Que arreglen ya la farola de mi calle, que está rota desde el verano.');
  const { clientId } = await postFrom(page, { author: 'Paco', text });
  const post = await submitted(clientId);
  await moderate({ type: 'reject', post_id: post.id, reason: 'off_topic', detail: 'Puede plantearlo en el punto 7, ruegos y preguntas.' });

  const entry = page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="rejected"]`);
  await entry.waitFor({ timeout });
  assert.equal((await entry.locator('.status').textContent()).trim(), 'No publicado');
  const reason = await entry.locator('.reason').textContent();
  assert.match(reason, /No trata del asunto de la sesión/, 'the reason, in the reader\'s language');
  assert.match(reason, /Puede plantearlo en el punto 7, ruegos y preguntas\./, 'the moderator\'s detail');
  assert.equal(await wallEntry(page, post.id).count(), 0, 'not on the wall');
  // Screen readers hear it.
  await page.waitForFunction(() => document.getElementById('announcer').textContent.includes('no se ha publicado'), null, { timeout });
  watcher.assertClean();
  await context.close();
});

test('pinned first; a hidden post leaves every wall and the author is told', async () => {
  const citizen = await openCitizen();
  const viewer = await openCitizen({ locale: 'ca-ES' });
  const text = unique('Gracias por retransmitir el pleno, así lo seguimos desde casa.');
  const { clientId } = await postFrom(citizen.page, { author: 'Montse', text });
  const post = await submitted(clientId);
  const older = (await wire.waitFor('mod', "m => m.type === 'snapshot'")).posts[0];
  await moderate({ type: 'approve', post_id: post.id });
  await moderate({ type: 'pin', post_id: older.id });
  for (const { page } of [citizen, viewer]) {
    await page.locator(`#wall li.post[data-post-id="${older.id}"][data-pinned="true"]`).waitFor({ timeout });
    assert.equal(await page.locator('#wall li.post').first().getAttribute('data-post-id'), String(older.id), 'the pinned post comes first');
    await wallEntry(page, post.id).waitFor({ timeout });
  }
  await moderate({ type: 'unpin', post_id: older.id });

  await moderate({ type: 'hide', post_id: post.id });
  for (const { page } of [citizen, viewer]) {
    await wallEntry(page, post.id).waitFor({ state: 'detached', timeout });
  }
  const entry = citizen.page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="hidden"]`);
  await entry.waitFor({ timeout });
  assert.equal((await entry.locator('.status').textContent()).trim(), 'Retirado de la pantalla');
  assert.equal(await viewer.page.locator(`#wall li.post[data-pinned="true"]`).count(), 0, 'nothing pinned any more');
  citizen.watcher.assertClean();
  viewer.watcher.assertClean();
  await citizen.context.close();
  await viewer.context.close();
});

test('the chair moves the current item: it changes live, and so does the default item of the form', async () => {
  const first = await openCitizen();
  const second = await openCitizen({ locale: 'fr-FR' });
  await second.page.selectOption('#item', '6');   // this person picked an item of their own
  const chair = (message) => wire.send('chair', message).then((answer) => assert.equal(answer.type, 'ack', JSON.stringify(answer)));

  await chair({ type: 'set_current_item', session_id: 1, item_id: 3 });
  for (const { page } of [first, second]) {
    await page.waitForFunction(() => document.getElementById('current-item').textContent === '3. Ordenanza de movilidad', null, { timeout });
  }
  assert.equal(await first.page.inputValue('#item'), '3', 'the default follows the current item');
  assert.equal(await second.page.inputValue('#item'), '6', 'a picked item stays');
  assert.match(await first.page.locator('#item option[value="3"]').textContent(), /\(ahora\)$/);

  await chair({ type: 'set_current_item', session_id: 1, item_id: 2 });
  await first.page.waitForFunction(() => document.getElementById('current-item').textContent === '2. Presupuesto municipal 2027', null, { timeout });
  assert.equal(await first.page.inputValue('#item'), '2');
  first.watcher.assertClean();
  second.watcher.assertClean();
  await first.context.close();
  await second.context.close();
});

test('offline and back: the queued post is kept (even over a reload) and sent once', async () => {
  // Part 1: the browser goes offline.
  const { context, page, watcher } = await openCitizen();
  await context.setOffline(true);
  await page.locator('#connection-status[data-state="offline"]').waitFor({ timeout });
  await page.locator('#offline-hint').waitFor({ timeout });
  const text = unique('Escrito sin cobertura en el salón de plenos.');
  const { entry, clientId } = await postFrom(page, { author: 'Julián', text });
  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="queued"]`).waitFor({ timeout });
  assert.match(await entry.locator('.status').textContent(), /cuando vuelva la conexión/);
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('pleno.outbox')));
  assert.deepEqual(kept.map((post) => post.client_id), [clientId], 'kept on the device');

  await context.setOffline(false);
  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="pending"]`).waitFor({ timeout });
  // Another loss and return of the connection sends nothing again.
  await context.setOffline(true);
  await page.locator('#connection-status[data-state="offline"]').waitFor({ timeout });
  await context.setOffline(false);
  await page.locator('#connection-status[data-state="open"]').waitFor({ timeout });
  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="pending"]`).waitFor({ timeout });
  assert.equal(await page.locator('#my-posts li.my-post').filter({ hasText: text }).count(), 1);
  const stored = await serverPostsWithText(text);
  assert.equal(stored.length, 1, 'exactly one post on the server');
  assert.equal(stored[0].client_id, clientId);
  watcher.assertClean();
  await context.close();

  // Part 2: the WebSocket cannot get through (the page still loads): queue,
  // reload, then let it through; and an acknowledgement lost on the way.
  const blocked = await newContext(browser, { viewport: phone });
  let mode = 'pass';
  await blocked.routeWebSocket(/\/ws$/, (ws) => {
    if (mode === 'block') {
      ws.close();
      return;
    }
    const upstream = ws.connectToServer();
    ws.onMessage((message) => upstream.send(message));
    upstream.onMessage((message) => {
      if (mode === 'drop-ack' && String(message).includes('"duplicate"')) {
        // The post is stored, but its acknowledgement never reaches the page.
        mode = 'pass';
        ws.close();
        upstream.close();
        return;
      }
      ws.send(message);
    });
  });
  const second = await openCitizen({ context: blocked });
  mode = 'block';
  await blocked.setOffline(true);
  await second.page.locator('#connection-status[data-state="offline"]').waitFor({ timeout });
  await blocked.setOffline(false);
  const reloadText = unique('Este mensaje sobrevive a recargar la página.');
  const queued = await postFrom(second.page, { author: 'Julián', text: reloadText });
  await second.page.locator(`#my-posts li.my-post[data-client-id="${queued.clientId}"][data-status="queued"]`).waitFor({ timeout });
  await second.page.reload();
  await second.page.locator(`#my-posts li.my-post[data-client-id="${queued.clientId}"][data-status="queued"]`).waitFor({ timeout });
  mode = 'pass';
  await second.page.locator(`#my-posts li.my-post[data-client-id="${queued.clientId}"][data-status="pending"]`).waitFor({ timeout: 30000 });
  assert.equal((await serverPostsWithText(reloadText)).length, 1, 'the post queued before the reload was stored once');

  mode = 'drop-ack';
  const lostAckText = unique('La confirmación de este mensaje se pierde por el camino.');
  const lostAck = await postFrom(second.page, { author: 'Julián', text: lostAckText });
  await second.page.locator(`#my-posts li.my-post[data-client-id="${lostAck.clientId}"][data-status="pending"]`).waitFor({ timeout: 30000 });
  assert.equal(mode, 'pass', 'the acknowledgement was dropped');
  const stored2 = await serverPostsWithText(lostAckText);
  assert.equal(stored2.length, 1, 'sent again after the reconnection, stored once');
  assert.equal(stored2[0].client_id, lostAck.clientId);
  assert.deepEqual(await second.page.evaluate(() => JSON.parse(localStorage.getItem('pleno.outbox'))), [], 'the outbox is empty');
  second.watcher.assertClean();
  await blocked.close();
});

test('layout at 320 px and on a desk, labels, focus order, counter and languages', async () => {
  const { context, page, watcher } = await openCitizen({ viewport: { width: 320, height: 640 } });
  const longWord = 'Anticonstitucionalísimamente'.repeat(8);
  const { clientId } = await postFrom(page, { author: 'Superc4lifragilisticoespialidosoXYZ', text: longWord });
  const post = await submitted(clientId);
  await moderate({ type: 'approve', post_id: post.id });
  await wallEntry(page, post.id).waitFor({ timeout });
  await page.fill('#text', `${'Palabra'.repeat(30)} larga en el formulario`);
  await page.fill('#text', '');

  for (const viewport of [{ width: 320, height: 640 }, { width: 1280, height: 800 }]) {
    await page.setViewportSize(viewport);
    const overflowing = await overflowingElements(page);
    if (overflowing.length) await keepScreenshot(page, `citizen-overflow-${viewport.width}`);
    assert.deepEqual(overflowing, [], `nothing overflows at ${viewport.width} px`);
  }
  await page.setViewportSize({ width: 320, height: 640 });

  // Every control has a label (or a name), and is big enough to touch.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((element) => element.getClientRects().length > 0)
    .filter((element) => (element.tagName === 'BUTTON'
      ? !element.textContent.trim() && !element.getAttribute('aria-label')
      : !(element.labels && element.labels.length) && !element.getAttribute('aria-label')))
    .map((element) => element.id || element.outerHTML.slice(0, 60)));
  assert.deepEqual(unnamed, [], 'every control has a label');
  for (const selector of ['#language', '#author', '#text', '#item', '#send']) {
    const box = await page.locator(selector).boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, `${selector} is at least 44 px (${box.width}x${box.height})`);
  }
  assert.equal(await page.locator('#form-error').getAttribute('role'), 'alert');
  assert.equal(await page.locator('#connection-status').getAttribute('role'), 'status');
  assert.equal(await page.locator('#current-item').getAttribute('aria-live'), 'polite');
  assert.match(await page.locator('#about').textContent(), /moderadoras del Ayuntamiento/, 'the configured moderation rules');
  assert.match(await page.locator('#about').textContent(), /No hace falta cuenta/, 'what is kept about the citizen');

  // Focus order: the skip link (first in the page), language, name, message, item, send.
  await page.locator('.skip-link').focus();
  const order = [await page.evaluate(() => document.activeElement.className)];
  for (let i = 0; i < 5; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.className));
  }
  assert.deepEqual(order, ['skip-link', 'language', 'author', 'text', 'item', 'send']);
  await page.locator('.skip-link').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'author', 'the skip link leads to the form');

  // The counter follows the typing; the empty name is refused in a clear sentence.
  await page.fill('#text', 'Hola');
  await page.waitForFunction(() => document.getElementById('char-count').textContent === '4 de 280 caracteres', null, { timeout });
  await page.fill('#author', '  ');
  await page.click('#send');
  assert.match(await page.locator('#form-error').textContent(), /Escriba su nombre/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'author');
  assert.equal(await page.locator('#author').getAttribute('aria-invalid'), 'true');

  // The language switch changes every text, and stays chosen.
  await page.selectOption('#language', 'fr');
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  assert.equal(await page.locator('#compose-heading').textContent(), 'Écrivez votre message');
  assert.equal(await page.locator('label[for="author"]').textContent(), 'Votre nom');
  assert.equal(await page.locator('#char-count').textContent(), '4 caractères sur 280');
  assert.match(await page.locator('#form-error').textContent(), /Indiquez votre nom/);
  assert.equal(await page.locator('#connection-status').textContent(), 'Connecté');
  assert.equal((await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"] .status`).textContent()).trim(), 'Affiché sur l’écran');
  assert.equal(await page.locator('#send').textContent(), 'Envoyer');
  const overflowingFr = await overflowingElements(page);
  assert.deepEqual(overflowingFr, [], 'nothing overflows in French at 320 px');
  await page.reload();
  await page.locator('#connection-status[data-state="open"]').waitFor({ timeout });
  assert.equal(await page.locator('#about-heading').textContent(), 'Comment ça marche');
  for (const [code, heading] of [['ca', 'Escriviu el vostre missatge'], ['en', 'Write your message'], ['es', 'Escriba su mensaje']]) {
    await page.selectOption('#language', code);
    assert.equal(await page.locator('#compose-heading').textContent(), heading);
    const missing = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((element) => element.children.length === 0 && /^citizen_\w+$/.test(element.textContent.trim()))
      .map((element) => element.textContent));
    assert.deepEqual(missing, [], `no untranslated key in ${code}`);
  }
  watcher.assertClean();
  await context.close();
});

test('the counter counts characters as the server does, emoji included, and refuses 281', async () => {
  const { context, page, watcher } = await openCitizen();
  const emoji = '👍🏽👨‍👩‍👧';   // 2 + 5 code points
  const exactly = `${'a'.repeat(273)}${emoji}`;
  await page.fill('#author', 'Lola');
  await page.fill('#text', exactly);
  await page.waitForFunction(() => document.getElementById('char-count').textContent === '280 de 280 caracteres', null, { timeout });
  assert.notEqual(await page.locator('#char-count').getAttribute('data-state'), 'over');
  await page.click('#send');
  await page.locator('#my-posts li.my-post[data-status="pending"]').filter({ hasText: emoji }).waitFor({ timeout });
  assert.equal(await page.locator('#form-error').textContent(), '', 'the server took 280 as the page counted');

  const before = await page.locator('#my-posts li.my-post').count();
  await page.fill('#text', `${'a'.repeat(274)}${emoji}`);
  await page.waitForFunction(() => document.getElementById('char-count').dataset.state === 'over', null, { timeout });
  assert.equal(await page.locator('#char-count').textContent(), 'Demasiado largo: sobra 1 carácter (281 de 280)');
  assert.equal(await page.locator('#text').getAttribute('aria-invalid'), 'true');
  await page.click('#send');
  assert.match(await page.locator('#form-error').textContent(), /demasiado largo/);
  assert.equal(await page.locator('#my-posts li.my-post').count(), before, 'nothing sent');
  assert.equal(codeLength(await page.inputValue('#text')), 281, 'the text stays to be shortened');
  watcher.assertClean();
  await context.close();
});

function codeLength(text) {
  return [...text].length;
}

test('a banned citizen is told that posting is closed for them', async () => {
  const { context, page, watcher } = await openCitizen();
  const text = unique('Mensaje de alguien a quien van a expulsar.');
  const { clientId } = await postFrom(page, { author: 'Troll', text });
  const post = await submitted(clientId);
  await moderate({ type: 'ban', session_id: 1, citizen_id: post.citizen_id, reason: 'Insultos reiterados' });
  const entry = page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="rejected"]`);
  await entry.waitFor({ timeout });
  const reason = await entry.locator('.reason').textContent();
  assert.match(reason, /Participación cerrada para usted en esta sesión/);
  assert.match(reason, /Insultos reiterados/);
  await page.locator('#banned-note').waitFor({ timeout });
  assert.equal(await page.locator('#post-form').isVisible(), false, 'no form for a banned citizen');
  await page.reload();
  await page.locator('#connection-status[data-state="open"]').waitFor({ timeout });
  await page.locator('#banned-note').waitFor({ timeout });
  assert.equal(await page.locator('#post-form').isVisible(), false, 'still no form after a reload');
  watcher.assertClean();
  await context.close();
});

test('an identity the server does not know is replaced by a new one', async () => {
  const context = await newContext(browser, { viewport: phone });
  await context.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('pleno.citizen', JSON.stringify({ id: 'c-unknown', key: 'not-a-key' }));
    }
  });
  const { page, watcher } = await openCitizen({ context });
  const identity = await page.evaluate(() => JSON.parse(localStorage.getItem('pleno.citizen')));
  assert.notEqual(identity.id, 'c-unknown');
  assert.ok(identity.key);
  const text = unique('Con identidad nueva.');
  const { clientId } = await postFrom(page, { text });
  await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="pending"]`).waitFor({ timeout });
  assert.equal((await submitted(clientId)).citizen_id, identity.id);
  watcher.assertClean();
  await context.close();
});

test('without a live session: the next session and its agenda; it opens live, without a reload', async () => {
  // Its own server, with a strict rate limit: one post, then one every 4 s.
  const own = await startServer({ config: { council: { posts_per_citizen: { per_seconds: 4, burst: 1 } } } });
  const ownWire = await protocolPage(browser, own);
  try {
    await ownWire.open('chair', { role: 'chair', token: (await own.login(demo.chair)).token });
    const chair = async (message) => {
      const answer = await ownWire.send('chair', message);
      assert.equal(answer.type, 'ack', JSON.stringify(answer));
      return answer;
    };
    const { context, page, watcher } = await openCitizen({ url: own.url });
    await page.locator('#post-form').waitFor({ timeout });

    // A post queued offline while the session closes is not sent, and says why.
    await context.setOffline(true);
    await page.locator('#connection-status[data-state="offline"]').waitFor({ timeout });
    const late = await postFrom(page, { author: 'Tardón', text: unique('Llego tarde al final de la sesión.') });
    await page.locator(`#my-posts li.my-post[data-client-id="${late.clientId}"][data-status="queued"]`).waitFor({ timeout });
    await chair({ type: 'close_session', session_id: 1 });
    await context.setOffline(false);
    await page.locator('#no-session').waitFor({ timeout });
    await page.locator('#post-form').waitFor({ state: 'hidden', timeout });
    assert.match(await page.locator('#next-session').textContent(), /ha terminado/);
    const notSent = page.locator(`#my-posts li.my-post[data-client-id="${late.clientId}"][data-status="failed"]`);
    await notSent.waitFor({ timeout });
    assert.match(await notSent.locator('.reason').textContent(), /La sesión ha terminado/);
    assert.match(await page.locator('#no-session').textContent(), /Podrá enviar mensajes cuando empiece la sesión/);

    const startsAt = Date.now() + 3 * 24 * 3600 * 1000;
    const title = 'Pleno extraordinario: fiestas de San Roque';
    const created = await chair({
      type: 'create_session', title, place: 'Plaza de la Constitución', starts_at: startsAt,
      agenda: [{ title: 'Programa de las fiestas', description: 'Actos, horarios y presupuesto.' }, { title: 'Seguridad y limpieza' }],
    });
    const date = await page.evaluate((ms) => new Intl.DateTimeFormat('es', { dateStyle: 'full', timeStyle: 'short' }).format(new Date(ms)), startsAt);
    await page.waitForFunction((expected) => document.getElementById('next-session').textContent.includes(expected), title, { timeout });
    const next = await page.locator('#next-session').textContent();
    for (const part of [date, 'Plaza de la Constitución', '1. Programa de las fiestas', '2. Seguridad y limpieza']) {
      assert.ok(next.includes(part), `the next session shows ${part}: ${next}`);
    }
    assert.equal(await page.locator('#post-form').isVisible(), false, 'no form before the session starts');

    // A page opened now shows the same (another device: a page in the same
    // context would put the first one in the background).
    const { context: laterContext, page: later, watcher: laterWatch } = await openCitizen({ url: own.url, locale: 'es-ES' });
    await later.locator('#no-session').waitFor({ timeout });
    await later.waitForFunction((expected) => document.getElementById('next-session').textContent.includes(expected), date, { timeout });
    assert.equal(await later.locator('#post-form').isVisible(), false);
    assert.deepEqual(await overflowingElements(later), [], 'nothing overflows without a session');

    await chair({ type: 'open_session', session_id: created.session_id });
    for (const current of [page, later]) {
      await current.locator('#post-form').waitFor({ timeout });
      await current.locator('#no-session').waitFor({ state: 'hidden', timeout });
      await current.waitForFunction((expected) => document.getElementById('session-title').textContent === expected, title, { timeout });
      assert.equal(await current.locator('#current-item').textContent(), '1. Programa de las fiestas');
    }
    const text = unique('¿Habrá verbena el sábado?');
    const { clientId } = await postFrom(page, { text });
    await page.locator(`#my-posts li.my-post[data-client-id="${clientId}"][data-status="pending"]`).waitFor({ timeout });

    // Too fast: the page says so, keeps the post and sends it by itself.
    const fast = await postFrom(page, { text: unique('¿Y fuegos artificiales?') });
    await page.waitForFunction(() => /muy seguidos/.test(document.getElementById('form-error').textContent), null, { timeout });
    const waiting = page.locator(`#my-posts li.my-post[data-client-id="${fast.clientId}"]`);
    assert.equal(await waiting.getAttribute('data-status'), 'queued');
    assert.match(await waiting.locator('.status').textContent(), /dentro de unos segundos/);
    await page.locator(`#my-posts li.my-post[data-client-id="${fast.clientId}"][data-status="pending"]`).waitFor({ timeout });
    watcher.assertClean();
    laterWatch.assertClean();
    await context.close();
    await laterContext.close();
  } finally {
    await ownWire.close();
    await own.stop();
  }
});
