// The chair's page (/chair): only chair accounts; moving the current agenda
// item reaches every wall; hold / blank / live and the overlay; creating a
// session and editing its agenda (ids kept, JSON import); opening and closing
// with the in-page confirmation. The tests share one server and run in order:
// the last one closes the demo session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, newContext, watchPage, protocolPage, overflowingElements, keepScreenshot, demo,
} from './harness.mjs';

let server;
let browser;
let wire;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  wire = await protocolPage(browser, server);
});

after(async () => {
  await wire?.close();
  await browser?.close();
  await server?.stop();
});

const wait = { timeout: 10000, polling: 100 };  // polling: background pages get no animation frames

// GET /api/sessions, from the tool page (its few kept-alive connections count
// towards the server's connections per address, like everything here).
async function sessionsFromApi() {
  return wire.page.evaluate(async () => {
    const response = await fetch('/api/sessions', { cache: 'no-store' });
    if (!response.ok) throw new Error(`/api/sessions: HTTP ${response.status}`);
    return response.json();
  });
}

// Closes protocol clients of the tool page that a test no longer needs.
function closeClients(...names) {
  return wire.page.evaluate((list) => { for (const name of list) window.plenoClients[name]?.socket.close(); }, names);
}

async function sessionFromApi(id) {
  const { sessions } = await sessionsFromApi();
  return sessions.find((session) => session.id === id);
}

// Opens /chair in a fresh context and logs in through the page's form.
async function openChair(account = demo.chair, { viewport, locale } = {}) {
  const context = await newContext(browser, { viewport, locale, timezoneId: 'Europe/Madrid' });
  const page = await context.newPage();
  const watcher = watchPage(page);
  await page.goto(`${server.url}/chair`);
  await page.locator('#login-form').waitFor(wait);
  await page.fill('#login-name', account.name);
  await page.fill('#login-password', account.password);
  await page.click('#login-form button[type=submit]');
  return { context, page, watcher };
}

async function openChairReady(options) {
  const opened = await openChair(demo.chair, options);
  await opened.page.locator('#connection-status[data-state="open"]').waitFor(wait);
  await opened.page.locator('#selected-title:not(:empty)').waitFor(wait);
  return opened;
}

// Waits until `selector` has text containing `text`.
async function waitForText(page, selector, text, timeout = 10000) {
  try {
    await page.waitForFunction(([s, t]) => (document.querySelector(s)?.textContent || '').includes(t), [selector, text], { timeout, polling: 100 });
  } catch (error) {
    const actual = await page.evaluate((s) => document.querySelector(s)?.textContent, selector);
    throw new Error(`${selector} should contain ${JSON.stringify(text)}; it has ${JSON.stringify(actual)} (${error.message})`);
  }
}

async function currentButtonId(page) {
  return page.evaluate(() => [...document.querySelectorAll('button.set-current[aria-current="true"]')].map((b) => Number(b.dataset.itemId)));
}

async function failWithScreenshot(page, name, body) {
  try {
    await body();
  } catch (error) {
    await keepScreenshot(page, name);
    throw error;
  }
}

test('a moderator account cannot use the chair page, and the server refuses it the chair role', async () => {
  const { context, page, watcher } = await openChair(demo.moderator);
  await waitForText(page, '#login-error', 'Esta cuenta no puede usar esta página.');
  assert.equal(await page.locator('#app').isHidden(), true, 'no chair controls');
  for (const id of ['#item-next', '#wall-hold', '#open-session', '#agenda-save', '#new-session']) {
    assert.equal(await page.locator(id).isVisible(), false, `${id} is not shown`);
  }
  // A reload with the moderator's cookie: still no controls.
  await page.reload();
  await waitForText(page, '#login-error', 'Esta cuenta no puede usar esta página.');
  assert.equal(await page.locator('#app').isHidden(), true);
  watcher.assertClean();
  await context.close();

  // Enforced by the server, whatever a page shows.
  const { token } = await server.login(demo.moderator);
  const refused = await wire.open('moderator-as-chair', { role: 'chair', token });
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'forbidden');
  const greeted = await wire.open('moderator', { role: 'moderator', token });
  assert.equal(greeted.type, 'welcome');
  const command = await wire.send('moderator', { type: 'set_current_item', session_id: 1, item_id: 3 });
  assert.equal(command.type, 'error');
  assert.equal(command.code, 'forbidden');
  await closeClients('moderator-as-chair', 'moderator');
});

test('the chair moves the current item: next, previous, pick one; every wall follows', async () => {
  const viewer = await wire.open('viewer-items', { role: 'viewer' });
  assert.equal(viewer.type, 'welcome');
  const { context, page, watcher } = await openChairReady();
  const citizenContext = await newContext(browser);
  const citizen = await citizenContext.newPage();
  const citizenWatcher = watchPage(citizen);
  await citizen.goto(server.url + '/');
  const citizenHasItem = await citizen.locator('#current-item').count() > 0;

  await failWithScreenshot(page, 'chair-items', async () => {
    const agenda = (await sessionFromApi(1)).agenda;
    const label = (id) => { const item = agenda.find((entry) => entry.id === id); return `${item.number}. ${item.title}`; };
    assert.deepEqual(await currentButtonId(page), [2], 'the demo starts on item 2');
    if (citizenHasItem) await waitForText(citizen, '#current-item', label(2));

    const steps = [
      ['#item-next', 3],
      ['#item-prev', 2],
      ['button.set-current[data-item-id="5"]', 5],
    ];
    for (const [selector, expected] of steps) {
      await page.click(selector);
      await wire.waitFor('viewer-items', `m => m.type === 'current_item_changed' && m.current_item_id === ${expected}`);
      await page.locator(`button.set-current[data-item-id="${expected}"][aria-current="true"]`).waitFor(wait);
      assert.deepEqual(await currentButtonId(page), [expected], 'exactly one item is current');
      await waitForText(page, '#chair-current-item', label(expected));
      await waitForText(page, '#chair-status', `Punto en debate: ${label(expected)}`);
      if (citizenHasItem) await waitForText(citizen, '#current-item', label(expected));
      assert.equal((await sessionFromApi(1)).current_item_id, expected);
    }
    // The viewer saw the three changes, in order.
    const changes = (await wire.received('viewer-items')).filter((m) => m.type === 'current_item_changed').map((m) => m.current_item_id);
    assert.deepEqual(changes, [3, 2, 5]);
    // Keyboard: the pick buttons are real buttons.
    await page.focus('button.set-current[data-item-id="2"]');
    await page.keyboard.press('Enter');
    await wire.waitFor('viewer-items', "m => m.type === 'current_item_changed' && m.current_item_id === 2");
    await page.locator('button.set-current[data-item-id="2"][aria-current="true"]').waitFor(wait);
    if (citizenHasItem) await waitForText(citizen, '#current-item', label(2));
  });
  watcher.assertClean();
  citizenWatcher.assertClean();
  await citizenContext.close();
  await context.close();
  await closeClients('viewer-items');
});

test('hold, blank, live and the overlay reach the walls; the buttons show the mode', async () => {
  await wire.open('viewer-wall', { role: 'viewer' });
  const { context, page, watcher } = await openChairReady();
  const pressed = () => page.evaluate(() => Object.fromEntries(
    ['live', 'hold', 'blank'].map((mode) => [mode, document.getElementById(`wall-${mode}`).getAttribute('aria-pressed')])));

  await failWithScreenshot(page, 'chair-wall', async () => {
    assert.deepEqual(await pressed(), { live: 'true', hold: 'false', blank: 'false' });
    for (const [mode, sentence] of [['hold', 'La pantalla está en pausa.'], ['blank', 'La pantalla está en blanco.'], ['live', 'La pantalla está en directo.']]) {
      await page.click(`#wall-${mode}`);
      await wire.waitFor('viewer-wall', `m => m.type === 'wall_mode_changed' && m.wall_mode === '${mode}'`);
      await page.locator(`#wall-${mode}[aria-pressed="true"]`).waitFor(wait);
      const state = await pressed();
      assert.deepEqual(state, { live: String(mode === 'live'), hold: String(mode === 'hold'), blank: String(mode === 'blank') });
      await waitForText(page, '#chair-status', sentence);
      assert.equal((await sessionFromApi(1)).wall_mode, mode);
    }

    // The overlay, with its counter.
    const notice = 'Receso de diez minutos';
    await page.fill('#overlay-text', notice);
    await waitForText(page, '#overlay-count', `${notice.length} de 120`);
    await page.click('#overlay-set');
    const shown = await wire.waitFor('viewer-wall', `m => m.type === 'overlay_changed' && m.overlay === ${JSON.stringify(notice)}`);
    assert.equal(shown.overlay, notice);
    await waitForText(page, '#overlay-current', notice);
    await waitForText(page, '#chair-status', `Aviso en pantalla: «${notice}».`);
    assert.equal((await sessionFromApi(1)).overlay, notice);

    // Too long: said in the page, nothing sent.
    await page.fill('#overlay-text', 'x'.repeat(121));
    await waitForText(page, '#overlay-count', '121 de 120');
    await page.click('#overlay-set');
    await waitForText(page, '#chair-error', 'El aviso tiene más de 120 caracteres.');
    assert.equal(await page.getAttribute('#chair-error', 'role'), 'alert');
    assert.equal((await sessionFromApi(1)).overlay, notice);

    await page.click('#overlay-clear');
    await wire.waitFor('viewer-wall', "m => m.type === 'overlay_changed' && m.overlay === ''");
    await waitForText(page, '#overlay-current', 'ningún aviso');
    await waitForText(page, '#chair-status', 'Aviso quitado de la pantalla.');
    assert.equal(await page.inputValue('#overlay-text'), '');
    assert.equal((await sessionFromApi(1)).overlay, '');

    // The layout: 1280x800 and 800 px wide, nothing sticks out.
    assert.deepEqual(await overflowingElements(page), []);
    await page.setViewportSize({ width: 800, height: 900 });
    assert.deepEqual(await overflowingElements(page), []);
    // Big targets.
    const small = await page.evaluate(() => [...document.querySelectorAll('#app button')]
      .filter((b) => b.offsetParent !== null)
      .map((b) => [b.id || b.className, b.getBoundingClientRect().height])
      .filter(([, height]) => height < 44));
    assert.deepEqual(small, []);
  });
  watcher.assertClean();
  await context.close();
  await closeClients('viewer-wall');
});

test('the chair creates a session, edits it and its agenda (ids kept), and imports an agenda as JSON', async () => {
  const { context, page, watcher } = await openChairReady();
  const rows = () => page.evaluate(() => [...document.querySelectorAll('#agenda-items li.agenda-row')].map((row) => ({
    id: Number(row.dataset.itemId),
    title: row.querySelector('.agenda-title').value,
    number: row.querySelector('.agenda-number').value,
  })));
  const row = (n) => `#agenda-items li.agenda-row:nth-child(${n})`;

  await failWithScreenshot(page, 'chair-agenda', async () => {
    // Create.
    const title = 'Pleno extraordinario de prueba';
    await page.click('#new-session');
    await waitForText(page, '#details-heading', 'Nueva sesión');
    assert.equal(await page.inputValue('#session-title-input'), '');
    await page.click('#session-save');
    await waitForText(page, '#chair-error', 'Escriba el título de la sesión.');
    await page.fill('#session-title-input', title);
    await page.fill('#session-place-input', 'Casa de la Cultura');
    await page.fill('#session-starts-input', '2027-03-15T18:30');
    await page.click('#session-save');
    await waitForText(page, '#chair-status', `Sesión «${title}» creada.`);
    await waitForText(page, '#selected-title', title);
    const startsAt = await page.evaluate(() => new Date(2027, 2, 15, 18, 30).getTime());
    const { sessions } = await sessionsFromApi();
    const created = sessions.find((session) => session.title === title);
    assert.ok(created, 'the session exists on the server');
    assert.equal(created.place, 'Casa de la Cultura');
    assert.equal(created.starts_at, startsAt);
    assert.equal(created.state, 'scheduled');
    await page.locator(`#sessions li[data-session-id="${created.id}"] button[aria-current="true"]`).waitFor(wait);
    assert.equal(await page.locator('#open-session').isVisible(), true);
    assert.equal(await page.locator('#close-session').isVisible(), false);

    // Edit title, place and start.
    await page.fill('#session-title-input', `${title} (marzo)`);
    await page.fill('#session-place-input', 'Salón de plenos');
    await page.fill('#session-starts-input', '2027-03-16T19:00');
    await page.click('#session-save');
    await waitForText(page, '#chair-status', 'Datos de la sesión guardados.');
    await waitForText(page, '#selected-title', `${title} (marzo)`);
    const updated = await sessionFromApi(created.id);
    assert.equal(updated.title, `${title} (marzo)`);
    assert.equal(updated.place, 'Salón de plenos');
    assert.equal(updated.starts_at, await page.evaluate(() => new Date(2027, 2, 16, 19, 0).getTime()));

    // The agenda: add three, move the third up, rename one, remove one, save.
    await waitForText(page, '#agenda-empty', 'El orden del día está vacío.');
    for (const name of ['Primero', 'Segundo', 'Tercero']) {
      await page.click('#agenda-add');
      const focused = await page.evaluate(() => document.activeElement.classList.contains('agenda-title'));
      assert.ok(focused, 'a new item takes the focus on its title');
      await page.keyboard.type(name);
    }
    assert.deepEqual((await rows()).map((r) => r.title), ['Primero', 'Segundo', 'Tercero']);
    assert.deepEqual((await rows()).map((r) => r.id), [0, 0, 0]);
    await page.click(`${row(3)} .agenda-up`);
    assert.deepEqual((await rows()).map((r) => r.title), ['Primero', 'Tercero', 'Segundo']);
    assert.equal(await page.evaluate(() => document.activeElement.closest('li')?.querySelector('.agenda-title').value), 'Tercero',
      'the focus stays with the moved item');
    await page.fill(`${row(3)} .agenda-title`, 'Segundo, con otro nombre');
    await page.fill(`${row(3)} .agenda-description`, 'Una descripción\nen dos líneas');
    await page.click(`${row(1)} .agenda-remove`);
    assert.deepEqual((await rows()).map((r) => r.title), ['Tercero', 'Segundo, con otro nombre']);
    assert.equal(await page.locator('#agenda-dirty').isVisible(), true);
    await page.click('#agenda-save');
    await waitForText(page, '#chair-status', 'Orden del día guardado (2 puntos).');
    let agenda = (await sessionFromApi(created.id)).agenda;
    assert.deepEqual(agenda.map((item) => item.title), ['Tercero', 'Segundo, con otro nombre']);
    assert.deepEqual(agenda.map((item) => item.number), [1, 2]);
    assert.equal(agenda[1].description, 'Una descripción\nen dos líneas');
    const ids = agenda.map((item) => item.id);
    await page.waitForFunction((expected) => JSON.stringify([...document.querySelectorAll('#agenda-items li.agenda-row')]
      .map((r) => Number(r.dataset.itemId))) === JSON.stringify(expected), ids, wait);
    assert.equal(await page.locator('#agenda-dirty').isVisible(), false);

    // Again, with the keyboard: the second item up; rename; save: the ids stay.
    await page.focus(`${row(2)} .agenda-up`);
    await page.keyboard.press('Enter');
    assert.deepEqual((await rows()).map((r) => r.title), ['Segundo, con otro nombre', 'Tercero']);
    await page.fill(`${row(2)} .agenda-title`, 'Tercero (renombrado)');
    await page.fill(`${row(2)} .agenda-number`, '7');
    await page.click('#agenda-save');
    await waitForText(page, '#chair-status', 'Orden del día guardado (2 puntos).');
    agenda = (await sessionFromApi(created.id)).agenda;
    assert.deepEqual(agenda.map((item) => item.id), [ids[1], ids[0]], 'existing items keep their ids');
    assert.deepEqual(agenda.map((item) => item.title), ['Segundo, con otro nombre', 'Tercero (renombrado)']);
    assert.deepEqual(agenda.map((item) => item.number), [1, 7]);
    // The "run" list of the page follows the saved agenda.
    await page.locator(`button.set-current[data-item-id="${ids[0]}"]`).waitFor(wait);

    // A bad item number is caught in the page.
    await page.fill(`${row(1)} .agenda-number`, 'doce');
    await page.click('#agenda-save');
    await waitForText(page, '#chair-error', 'El número del punto 1 debe ser un número entero entre 1 y 9999.');
    assert.equal(await page.getAttribute(`${row(1)} .agenda-number`, 'aria-invalid'), 'true');
    await page.fill(`${row(1)} .agenda-number`, '');

    // Import a valid agenda: replaced.
    const imported = {
      items: [
        { title: 'Aprobación del acta', description: 'Acta de la sesión anterior.' },
        { title: 'Fiestas patronales' },
        { number: 9, title: 'Ruegos y preguntas' },
      ],
    };
    await page.fill('#agenda-import-text', JSON.stringify(imported, null, 2));
    await page.click('#agenda-import');
    await waitForText(page, '#chair-status', 'Orden del día importado (3 puntos).');
    agenda = (await sessionFromApi(created.id)).agenda;
    assert.deepEqual(agenda.map((item) => item.title), ['Aprobación del acta', 'Fiestas patronales', 'Ruegos y preguntas']);
    assert.deepEqual(agenda.map((item) => item.number), [1, 2, 9]);
    assert.equal(agenda[0].description, 'Acta de la sesión anterior.');
    assert.ok(agenda.every((item) => !ids.includes(item.id)), 'imported items are new');
    await page.waitForFunction(() => document.querySelectorAll('#agenda-items li.agenda-row').length === 3, null, wait);
    assert.deepEqual((await rows()).map((r) => r.number), ['', '', '9']);
    assert.equal(await page.inputValue('#agenda-import-text'), '');

    // An array works too.
    await page.fill('#agenda-import-text', '[{"title": "Único punto"}, {"title": "Otro", "id": 12345}]');
    await page.click('#agenda-import');
    await waitForText(page, '#chair-status', 'Orden del día importado (2 puntos).');
    agenda = (await sessionFromApi(created.id)).agenda;
    assert.deepEqual(agenda.map((item) => item.title), ['Único punto', 'Otro']);

    // Invalid imports: a clear error, nothing changes on the server.
    const before = JSON.stringify(await sessionFromApi(created.id));
    const bad = [
      ['[{"title": "Sin cerrar"', 'El texto no es JSON válido'],
      ['{"puntos": []}', 'El JSON debe ser una lista de puntos'],
      ['[{"titulo": "Mal escrito"}]', 'campo desconocido, «titulo»'],
      ['[{"title": "Bien"}, {"description": "sin título"}]', 'El punto 2 no tiene título'],
      ['[{"title": "Número raro", "number": "3"}]', 'El número del punto 1 debe ser un número entero'],
      ['[]', 'La lista no tiene ningún punto.'],
    ];
    for (const [text, message] of bad) {
      await page.fill('#agenda-import-text', text);
      await page.click('#agenda-import');
      await waitForText(page, '#agenda-import-error', message);
      await waitForText(page, '#chair-error', message);
      assert.equal(await page.getAttribute('#agenda-import-text', 'aria-invalid'), 'true');
    }
    assert.equal(JSON.stringify(await sessionFromApi(created.id)), before, 'the server still has the same session');
    assert.equal(await page.inputValue('#agenda-import-text'), bad.at(-1)[0], 'the pasted text is kept for fixing');
  });
  watcher.assertClean();
  await context.close();
});

test('the page speaks Spanish, Catalan, French and English', async () => {
  const { context, page, watcher } = await openChairReady({ locale: 'fr-FR' });
  await failWithScreenshot(page, 'chair-languages', async () => {
    const expected = {
      fr: ['Conduire la séance', 'Clore la séance', 'Point suivant →'],
      ca: ['Dirigir la sessió', 'Tancar la sessió', 'Punt següent →'],
      en: ['Run the session', 'Close the session', 'Next item →'],
      es: ['Dirigir la sesión', 'Cerrar la sesión', 'Punto siguiente →'],
    };
    for (const [code, [heading, close, next]] of Object.entries(expected)) {
      if (code !== 'fr') await page.selectOption('#language', code);
      await waitForText(page, '#run-heading', heading);
      assert.equal(await page.textContent('#close-session'), close);
      assert.equal(await page.textContent('#item-next'), next);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      const untranslated = await page.evaluate(() => {
        const found = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) if (/\b(chair|login|connection|state)_[a-z_]+\b/.test(walker.currentNode.nodeValue)) found.push(walker.currentNode.nodeValue);
        for (const element of document.querySelectorAll('[aria-label], [placeholder]')) {
          for (const value of [element.getAttribute('aria-label'), element.getAttribute('placeholder')]) {
            if (value && /\b(chair|login)_[a-z_]+\b/.test(value)) found.push(value);
          }
        }
        return found;
      });
      assert.deepEqual(untranslated, [], `every string has a ${code} translation`);
    }
  });
  watcher.assertClean();
  await context.close();
});

test('the chair closes the live session and opens another, each confirmed in the page', async () => {
  const { token } = await server.login(demo.chair);
  assert.equal((await wire.open('chair-tool', { role: 'chair', token })).type, 'welcome');
  const title = 'Pleno extraordinario: fiestas de San Roque';
  const createdAck = await wire.send('chair-tool', {
    type: 'create_session', title, place: 'Plaza Mayor', starts_at: Date.now() + 86400000,
    agenda: [{ title: 'Programa de las fiestas' }, { title: 'Ruegos y preguntas' }],
  });
  assert.equal(createdAck.type, 'ack');
  const newId = createdAck.session_id;
  await wire.open('viewer-sessions', { role: 'viewer' });

  const { context, page, watcher } = await openChairReady();
  await failWithScreenshot(page, 'chair-open-close', async () => {
    // Opening while the demo session is live: refused, said clearly.
    await page.click(`#sessions li[data-session-id="${newId}"] button`);
    await waitForText(page, '#selected-title', title);
    await page.locator('#open-session').waitFor({ state: 'visible', ...wait });
    await page.click('#open-session');
    await page.locator('#confirm-panel').waitFor({ state: 'visible', ...wait });
    await waitForText(page, '#confirm-question', `¿Abrir «${title}»?`);
    // Cancel first: nothing happens.
    await page.click('#confirm-cancel');
    await page.locator('#confirm-panel').waitFor({ state: 'hidden', ...wait });
    assert.equal((await sessionFromApi(newId)).state, 'scheduled');
    await page.click('#open-session');
    await page.click('#confirm-action');
    await waitForText(page, '#chair-error', 'La sesión 1 («Pleno ordinario de noviembre») está en directo: ciérrela primero.');
    assert.equal((await sessionFromApi(newId)).state, 'scheduled');
    assert.equal((await sessionFromApi(1)).state, 'live');

    // Close the demo session: one press shows the question, the second closes.
    await page.click('#sessions li[data-session-id="1"] button');
    await waitForText(page, '#selected-title', demo.sessionTitle);
    await page.locator('#close-session').waitFor({ state: 'visible', ...wait });
    await page.click('#close-session');
    await waitForText(page, '#confirm-question', `¿Cerrar «${demo.sessionTitle}»?`);
    assert.equal((await sessionFromApi(1)).state, 'live', 'nothing happens before the confirmation');
    await page.click('#confirm-action');
    await waitForText(page, '#chair-status', `Sesión «${demo.sessionTitle}» cerrada.`);
    await waitForText(page, '#selected-state', 'Cerrada');
    assert.equal(await page.locator('#close-session').isVisible(), false);
    assert.equal(await page.locator('#run-panel').isVisible(), false, 'a closed session cannot be run');
    assert.equal(await page.locator('#session-save').isDisabled(), true, 'nor changed');
    assert.equal((await sessionFromApi(1)).state, 'closed');

    // Open the new one.
    await page.click(`#sessions li[data-session-id="${newId}"] button`);
    await waitForText(page, '#selected-title', title);
    await page.click('#open-session');
    await page.click('#confirm-action');
    await waitForText(page, '#chair-status', `Sesión «${title}» abierta: ya está en directo.`);
    await waitForText(page, '#selected-state', 'En directo');
    await page.locator('#close-session').waitFor({ state: 'visible', ...wait });
    const { current_session_id: current, sessions } = await sessionsFromApi();
    assert.equal(sessions.find((session) => session.id === 1).state, 'closed');
    assert.equal(sessions.find((session) => session.id === newId).state, 'live');
    assert.equal(current, newId);
    await wire.waitFor('viewer-sessions', `m => m.type === 'current_session' && m.session_id === ${newId}`);
    // The list shows the states.
    await page.locator(`#sessions li[data-session-id="${newId}"][data-state="live"]`).waitFor(wait);
    await page.locator('#sessions li[data-session-id="1"][data-state="closed"]').waitFor(wait);
    // The opened session starts on its first item.
    const first = (await sessionFromApi(newId)).agenda[0].id;
    await page.locator(`button.set-current[data-item-id="${first}"][aria-current="true"]`).waitFor(wait);
  });
  watcher.assertClean();
  await context.close();
});
