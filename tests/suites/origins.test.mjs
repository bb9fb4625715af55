// Suite 5 of issue 5: cross-site WebSocket hijacking. A page on another site
// can make a visitor's browser open a WebSocket to pleno-server, and the
// browser would attach the moderator's login cookie: the Origin check at the
// upgrade is what stops it. This suite sends every kind of Origin a hostile
// page (or a confused proxy) could produce and asserts the answer
// docs/protocol.md §1 gives:
//
//   - no Origin header: a program, not a browser → upgraded (101), but a login
//     cookie it sends is ignored (staff must put their token in hello);
//   - exactly one Origin equal to "http://" or "https://" + the request's Host,
//     or exactly equal to an entry of `allowed_origins` → upgraded, and the
//     login cookie counts for moderator and chair hellos;
//   - anything else (foreign, null, empty, suffix and prefix tricks, another
//     port or scheme, other capitals, a trailing slash or path, whitespace
//     inside, several Origin headers) → HTTP 403 with code bad_origin, so no
//     hello — and no cookie — is ever read.
//
// Every upgrade case runs on /ws and on /ws/staff (same rules on both). The
// raw cases go through node:net (./lib/pleno-client.mjs rawUpgrade), so that
// header lines are sent exactly as written, duplicates included; the cookie
// cases use the `ws` package like a browser would (Origin + Cookie).
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   (no long form: every case is cheap, the CI form is the whole suite)
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/origins.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demo } from '../web/harness.mjs';
import { openClient, rawUpgrade, httpJson } from './lib/pleno-client.mjs';

const PATHS = ['/ws', '/ws/staff'];
const CONFIGURED = ['https://pleno.example.org', 'http://192.0.2.10:8080'];

let server;        // allowed_origins: CONFIGURED
let plain;         // no allowed_origins
let P;             // server.port
let OTHER;         // a port that is not the server's
let moderatorToken;
let chairToken;

before(async () => {
  server = await startServer({ config: { allowed_origins: CONFIGURED } });
  plain = await startServer({});
  P = server.port;
  OTHER = P === 65535 ? P - 1 : P + 1;
  moderatorToken = (await server.login(demo.moderator)).token;
  chairToken = (await server.login(demo.chair)).token;
});

after(async () => {
  await server?.stop();
  await plain?.stop();
});

async function expectRefused(options, target = server) {
  for (const path of PATHS) {
    const answer = await rawUpgrade(target.port, { ...options, path });
    assert.equal(answer.status, 403, `${path} with Origin ${JSON.stringify(options.origins)}: HTTP ${answer.status} ${answer.body}`);
    assert.equal(answer.json?.code, 'bad_origin', `${path}: ${answer.body}`);
    assert.equal(answer.headers.upgrade, undefined, `${path}: a refused upgrade must not switch protocols`);
  }
}

async function expectUpgraded(options, target = server) {
  for (const path of PATHS) {
    const answer = await rawUpgrade(target.port, { ...options, path });
    assert.equal(answer.status, 101, `${path} with Origin ${JSON.stringify(options.origins)}: HTTP ${answer.status} ${answer.body}`);
  }
}

// Each refused case: [name, () => {origins, host?}]. Functions, since the port is known only once the server runs.
const refused = [
  // Foreign pages
  ['a foreign https origin', () => ({ origins: ['https://evil.example'] })],
  ['a foreign http origin on the server\'s port', () => ({ origins: [`http://evil.example:${P}`] })],
  ['"null" (sandboxed frames, file: and data: pages)', () => ({ origins: ['null'] })],
  ['an empty Origin header', () => ({ origins: [''] })],
  ['a browser extension origin', () => ({ origins: ['chrome-extension://abcdefghijklmnopabcdefghijklmnop'] })],
  // Suffix tricks: the server's origin (or host) inside a foreign one
  ['suffix trick: the server\'s origin followed by .evil.example', () => ({ origins: [`http://127.0.0.1:${P}.evil.example`] })],
  ['suffix trick: the server\'s host at the end of a foreign name', () => ({ origins: [`http://evil127.0.0.1:${P}`] })],
  ['suffix trick: the server\'s origin as user info of a foreign host', () => ({ origins: [`http://127.0.0.1:${P}@evil.example`] })],
  ['suffix trick: the server\'s address as a subdomain of a foreign host', () => ({ origins: [`http://127.0.0.1.evil.example:${P}`] })],
  // Prefix tricks: the server's origin with something before or after it
  ['prefix trick: user info before the server\'s host', () => ({ origins: [`http://user@127.0.0.1:${P}`] })],
  ['prefix trick: one more digit after the server\'s port', () => ({ origins: [`http://127.0.0.1:${P}0`] })],
  ['prefix trick: a foreign origin with the server\'s origin as its path', () => ({ origins: [`https://evil.example/http://127.0.0.1:${P}`] })],
  ['prefix trick: the server\'s origin cut short (a prefix of it)', () => ({ origins: [`http://127.0.0.1:${String(P).slice(0, -1)}`] })],
  ['prefix trick: the server\'s origin, a comma and a foreign one', () => ({ origins: [`http://127.0.0.1:${P}, https://evil.example`] })],
  ['prefix trick: an origin list (space separated) starting with the server\'s', () => ({ origins: [`http://127.0.0.1:${P} https://evil.example`] })],
  // Port mismatches
  ['another port on the same host', () => ({ origins: [`http://127.0.0.1:${OTHER}`] })],
  ['no port (the default port 80)', () => ({ origins: ['http://127.0.0.1'] })],
  ['port 80 written out', () => ({ origins: ['http://127.0.0.1:80'] })],
  ['https on another port', () => ({ origins: [`https://127.0.0.1:${OTHER}`] })],
  ['the server\'s port with a leading zero', () => ({ origins: [`http://127.0.0.1:0${P}`] })],
  // Scheme mismatches (http:// and https:// + Host are the server's own: see the accepted cases)
  ['a ws:// origin', () => ({ origins: [`ws://127.0.0.1:${P}`] })],
  ['a wss:// origin', () => ({ origins: [`wss://127.0.0.1:${P}`] })],
  ['an ftp:// origin', () => ({ origins: [`ftp://127.0.0.1:${P}`] })],
  ['no scheme at all', () => ({ origins: [`127.0.0.1:${P}`] })],
  ['a scheme-relative origin', () => ({ origins: [`//127.0.0.1:${P}`] })],
  // Other names for the same machine (the Host header says 127.0.0.1)
  ['localhost while the Host is 127.0.0.1', () => ({ origins: [`http://localhost:${P}`] })],
  ['[::1] while the Host is 127.0.0.1', () => ({ origins: [`http://[::1]:${P}`] })],
  // Case variants (browsers send the scheme and host in lowercase)
  ['the scheme in capitals', () => ({ origins: [`HTTP://127.0.0.1:${P}`] })],
  ['the scheme in mixed case', () => ({ origins: [`Http://127.0.0.1:${P}`] })],
  ['the host in capitals while the Host header is lowercase', () => ({ host: `localhost:${P}`, origins: [`http://LOCALHOST:${P}`] })],
  ['the host in lowercase while the Host header is in capitals', () => ({ host: `LOCALHOST:${P}`, origins: [`http://localhost:${P}`] })],
  // Trailing slash, path, query, fragment
  ['a trailing slash', () => ({ origins: [`http://127.0.0.1:${P}/`] })],
  ['a path', () => ({ origins: [`http://127.0.0.1:${P}/moderate`] })],
  ['a query', () => ({ origins: [`http://127.0.0.1:${P}?x=1`] })],
  ['a fragment', () => ({ origins: [`http://127.0.0.1:${P}#x`] })],
  // Whitespace inside the value
  ['a space before the port', () => ({ origins: [`http://127.0.0.1 :${P}`] })],
  ['a space after the scheme', () => ({ origins: [`http:// 127.0.0.1:${P}`] })],
  ['a tab inside the port', () => ({ origins: [`http://127.0.0.1:\t${P}`] })],
  // Several Origin headers (a browser never sends two: RFC 6454 §7)
  ['two Origin headers, the server\'s first', () => ({ origins: [`http://127.0.0.1:${P}`, 'https://evil.example'] })],
  ['two Origin headers, the foreign one first', () => ({ origins: ['https://evil.example', `http://127.0.0.1:${P}`] })],
  ['two Origin headers, both the server\'s', () => ({ origins: [`http://127.0.0.1:${P}`, `http://127.0.0.1:${P}`] })],
  ['two Origin headers, a configured one and a foreign one', () => ({ origins: ['https://pleno.example.org', 'https://evil.example'] })],
  // The Host header cannot be left out to make "http://" + Host match
  ['an empty Host header with Origin "http://"', () => ({ host: '', origins: ['http://'] })],
  ['an empty Host header with Origin "https://"', () => ({ host: '', origins: ['https://'] })],
  // Configured allowed_origins match exactly, nothing looser
  ['configured: a trailing slash after an allowed origin', () => ({ origins: ['https://pleno.example.org/'] })],
  ['configured: an allowed origin in capitals', () => ({ origins: ['https://PLENO.example.org'] })],
  ['configured: http:// for an allowed https:// origin', () => ({ origins: ['http://pleno.example.org'] })],
  ['configured: the default port written out (:443)', () => ({ origins: ['https://pleno.example.org:443'] })],
  ['configured: a suffix after an allowed origin', () => ({ origins: ['https://pleno.example.org.evil.example'] })],
  ['configured: a subdomain of an allowed origin', () => ({ origins: ['https://evil.pleno.example.org'] })],
  ['configured: a prefix of an allowed origin', () => ({ origins: ['https://pleno.example.or'] })],
  ['configured: an allowed host with another port', () => ({ origins: ['http://192.0.2.10:8081'] })],
  ['configured: an allowed host without its port', () => ({ origins: ['http://192.0.2.10'] })],
  ['configured: an allowed origin with a path', () => ({ origins: ['https://pleno.example.org/moderate'] })],
];

describe('refused upgrades (403 bad_origin on /ws and /ws/staff)', () => {
  for (const [name, make] of refused) test(name, () => expectRefused(make()));

  test('an origin allowed on one server is foreign to a server that does not list it', async () => {
    await expectRefused({ origins: ['https://pleno.example.org'] }, plain);
    await expectRefused({ origins: [`http://127.0.0.1:${P}`] }, plain); // the other server's own origin
  });
});

describe('accepted upgrades (101 on /ws and /ws/staff)', () => {
  test('no Origin header: a program such as pleno-display', () => expectUpgraded({ origins: [] }));
  test('the server\'s own origin, http:// + Host', () => expectUpgraded({ origins: [`http://127.0.0.1:${P}`] }));
  test('the server\'s own origin, https:// + Host (behind a TLS proxy)', () => expectUpgraded({ origins: [`https://127.0.0.1:${P}`] }));
  test('the own origin follows the Host header (a page loaded as localhost)', () =>
    expectUpgraded({ host: `localhost:${P}`, origins: [`http://localhost:${P}`] }));
  test('spaces and tabs around the value are not part of it (RFC 9110 §5.5)', async () => {
    await expectUpgraded({ origins: [`  http://127.0.0.1:${P}  `] });
    await expectUpgraded({ origins: [`\thttp://127.0.0.1:${P}\t`] });
  });
  test('a configured allowed origin, exactly as listed', () => expectUpgraded({ origins: ['https://pleno.example.org'] }));
  test('a second configured allowed origin with its port', () => expectUpgraded({ origins: ['http://192.0.2.10:8080'] }));
  test('the server\'s own origin stays allowed when others are configured', async () => {
    await expectUpgraded({ origins: [`http://127.0.0.1:${P}`] });
    await expectUpgraded({ origins: [`http://127.0.0.1:${plain.port}`] }, plain);
  });
});

describe('browser roles and the login cookie', () => {
  const cookieOf = (token) => `pleno_token=${token}`;

  async function helloWith(path, options, hello) {
    const client = await openClient(P, { ...options, path });
    try {
      const answer = await client.hello(hello);
      if (answer.code === 'not_authenticated') {
        const closed = await client.waitClosed();
        answer.closeCode = closed.code;
      }
      return answer;
    } finally {
      client.close();
    }
  }

  async function expectUpgradeRefused(path, options) {
    await assert.rejects(openClient(P, { ...options, path }), (error) => {
      assert.equal(error.status, 403, error.message);
      assert.equal(error.json?.code, 'bad_origin');
      return true;
    });
  }

  for (const path of PATHS) {
    test(`${path}: the cookie from the server's own origin authenticates a moderator hello without a token (control)`, async () => {
      const welcome = await helloWith(path, { origin: `http://127.0.0.1:${P}`, cookie: cookieOf(moderatorToken) }, { role: 'moderator' });
      assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
      assert.equal(welcome.account, demo.moderator.name);
    });

    test(`${path}: the cookie from a configured allowed origin authenticates a chair hello`, async () => {
      const welcome = await helloWith(path, { origin: 'https://pleno.example.org', cookie: cookieOf(chairToken) }, { role: 'chair' });
      assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
      assert.equal(welcome.role, 'chair');
    });

    test(`${path}: a foreign page's upgrade carrying the moderator's cookie is refused before any hello`, () =>
      expectUpgradeRefused(path, { origin: 'https://evil.example', cookie: cookieOf(moderatorToken) }));

    test(`${path}: a suffix-trick page's upgrade carrying the chair's cookie is refused before any hello`, () =>
      expectUpgradeRefused(path, { origin: `http://127.0.0.1:${P}.evil.example`, cookie: cookieOf(chairToken) }));

    test(`${path}: a "null" origin (sandboxed frame) carrying the cookie is refused before any hello`, () =>
      expectUpgradeRefused(path, { origin: 'null', cookie: cookieOf(moderatorToken) }));

    test(`${path}: a port-mismatched page carrying the cookie is refused before any hello`, () =>
      expectUpgradeRefused(path, { origin: `http://127.0.0.1:${OTHER}`, cookie: cookieOf(moderatorToken) }));

    test(`${path}: without an Origin the moderator cookie is ignored: not_authenticated, closed 1008`, async () => {
      const answer = await helloWith(path, { cookie: cookieOf(moderatorToken) }, { role: 'moderator' });
      assert.equal(answer.type, 'error', JSON.stringify(answer));
      assert.equal(answer.code, 'not_authenticated');
      assert.equal(answer.closeCode, 1008);
    });

    test(`${path}: without an Origin the chair cookie is ignored: not_authenticated, closed 1008`, async () => {
      const answer = await helloWith(path, { cookie: cookieOf(chairToken) }, { role: 'chair' });
      assert.equal(answer.code, 'not_authenticated', JSON.stringify(answer));
      assert.equal(answer.closeCode, 1008);
    });
  }

  test('an old-style Sec-WebSocket-Origin header does not make a browser: the cookie is still ignored', async () => {
    const answer = await helloWith('/ws', { headers: { 'Sec-WebSocket-Origin': `http://127.0.0.1:${P}` }, cookie: cookieOf(moderatorToken) },
      { role: 'moderator' });
    assert.equal(answer.code, 'not_authenticated', JSON.stringify(answer));
    assert.equal(answer.closeCode, 1008);
  });

  test('without an Origin a token in hello still works (the projector and scripts)', async () => {
    const welcome = await helloWith('/ws/staff', {}, { role: 'moderator', token: moderatorToken });
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    assert.equal(welcome.account, demo.moderator.name);
  });

  test('a token in hello wins over the cookie: a wrong token is not rescued by a good cookie', async () => {
    const answer = await helloWith('/ws', { origin: `http://127.0.0.1:${P}`, cookie: cookieOf(moderatorToken) },
      { role: 'moderator', token: 'not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    assert.equal(answer.code, 'not_authenticated', JSON.stringify(answer));
    assert.equal(answer.closeCode, 1008);
  });

  test('the cookie of a logged-out token is refused even from the server\'s own origin', async () => {
    const { token } = await server.login(demo.moderator);
    const before = await helloWith('/ws', { origin: `http://127.0.0.1:${P}`, cookie: cookieOf(token) }, { role: 'moderator' });
    assert.equal(before.type, 'welcome', JSON.stringify(before));
    const logout = await httpJson(P, 'POST', '/api/logout', { token });
    assert.equal(logout.status, 200, logout.body);
    const after = await helloWith('/ws', { origin: `http://127.0.0.1:${P}`, cookie: cookieOf(token) }, { role: 'moderator' });
    assert.equal(after.code, 'not_authenticated', JSON.stringify(after));
  });

  test('viewers and citizens need no Origin (they have nothing a foreign page could steal)', async () => {
    const viewer = await helloWith('/ws', {}, { role: 'viewer' });
    assert.equal(viewer.type, 'welcome');
    const citizen = await helloWith('/ws', {}, { role: 'citizen' });
    assert.equal(citizen.type, 'welcome');
    assert.ok(citizen.citizen?.id, 'a new citizen gets an id');
  });
});

describe('allowed_origins entries that no browser sends are refused at start-up', () => {
  const bad = [
    ['null', 'null'],
    ['a trailing slash', 'https://pleno.example.org/'],
    ['a path', 'https://pleno.example.org/moderate'],
    ['capitals', 'https://Pleno.example.org'],
    ['a ws:// scheme', 'wss://pleno.example.org'],
    ['a wildcard', 'https://*.example.org'],
    ['no scheme', 'pleno.example.org'],
  ];
  for (const [name, entry] of bad) {
    test(`an allowed origin with ${name} (${entry})`, async () => {
      await assert.rejects(startServer({ config: { allowed_origins: [entry] } }), (error) => {
        assert.match(error.message, /exited \(1\) before listening/);
        assert.match(error.message, /allowed_origins/);
        return true;
      });
    });
  }
});
