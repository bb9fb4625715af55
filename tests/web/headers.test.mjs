// Every page and every file the pages load is served with the strict headers,
// and nothing a page loads comes from another host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, watchPage } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = ['/', '/moderate', '/chair'];

function assertStrictHeaders(headers, what) {
  const policy = headers['content-security-policy'] || '';
  assert.match(policy, /default-src 'self'/, `${what}: CSP default-src`);
  assert.match(policy, /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/, `${what}: no unsafe-inline`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(headers['referrer-policy'], 'no-referrer', `${what}: referrer policy`);
}

for (const pathname of pages) {
  test(`${pathname} and everything it loads carry the security headers and come from the server itself`, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const watcher = watchPage(page);
    const responses = [];
    page.on('response', (response) => responses.push(response));
    const main = await page.goto(server.url + pathname, { waitUntil: 'networkidle' });
    assert.equal(main.status(), 200);
    assert.ok(responses.length >= 3, `the page loads its style and scripts (${responses.length} responses)`);
    for (const response of responses) {
      const url = new URL(response.url());
      assert.equal(url.origin, server.url, `${response.url()} comes from the server`);
      if (url.protocol === 'http:') assertStrictHeaders(await response.allHeaders(), response.url());
    }
    watcher.assertClean();
    await context.close();
  });
}
