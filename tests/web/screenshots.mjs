// Takes the README's screenshots of the three pages on the demo session:
// docs/web-citizen.png (a phone), docs/web-moderate.png and docs/web-chair.png.
//
//   PLENO_SERVER_BINARY=build-test/server/pleno-server node tests/web/screenshots.mjs [OUTPUT_FOLDER]
import path from 'node:path';
import { startServer, launchBrowser, newContext, protocolPage, sourceRoot, demo } from './harness.mjs';

const output = path.resolve(process.argv[2] || path.join(sourceRoot, 'docs'));
const server = await startServer();
const browser = await launchBrowser();
try {
  // A citizen's post waiting for moderation, so that the pages show one.
  const wire = await protocolPage(browser, server);
  await wire.open('citizen', { role: 'citizen' });
  await wire.send('citizen', {
    type: 'submit_post', client_id: 'screenshot-1', author: 'Rosario',
    text: '¿Se podrá ampliar el horario del consultorio médico los martes? Muchas personas mayores no pueden bajar a Granada.',
  });

  const phone = await newContext(browser, { locale: 'es-ES', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const citizen = await phone.newPage();
  await citizen.goto(server.url);
  await citizen.locator('#wall li.post').first().waitFor();
  await citizen.fill('#author', 'Rosario');
  await citizen.fill('#text', 'Gracias por poner los caminos rurales en el presupuesto.');
  await citizen.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await citizen.screenshot({ path: path.join(output, 'web-citizen.png') });

  const desk = await newContext(browser, { locale: 'es-ES', viewport: { width: 1280, height: 800 } });
  const moderator = await desk.newPage();
  await moderator.goto(`${server.url}/moderate`);
  await moderator.fill('#login-name', demo.moderator.name);
  await moderator.fill('#login-password', demo.moderator.password);
  await moderator.press('#login-password', 'Enter');
  await moderator.locator('#queue li.queue-post').first().waitFor();
  await moderator.keyboard.press('j');
  await moderator.screenshot({ path: path.join(output, 'web-moderate.png') });

  const office = await newContext(browser, { locale: 'es-ES', viewport: { width: 1280, height: 800 } });
  const chair = await office.newPage();
  await chair.goto(`${server.url}/chair`);
  await chair.fill('#login-name', demo.chair.name);
  await chair.fill('#login-password', demo.chair.password);
  await chair.press('#login-password', 'Enter');
  await chair.locator('button.set-current').first().waitFor();
  await chair.screenshot({ path: path.join(output, 'web-chair.png') });
  console.log(`screenshots written to ${output}`);
} finally {
  await browser.close();
  await server.stop();
}
