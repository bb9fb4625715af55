// TLS served by pleno-server itself (--tls-cert, --tls-key), and pleno-display
// over wss:// (issue 5, "TLS"). A certificate authority and certificates are
// made for each run with the openssl command:
//   - HTTPS pages and API with Strict-Transport-Security (its max-age set by
//     the config, never sent over plain HTTP), a Secure login cookie;
//   - WSS on /ws and /ws/staff: a citizen posts, a moderator approves, a viewer
//     receives it, all over TLS; the Origin check takes https://Host as the
//     server's own and refuses http://Host;
//   - plain HTTP on the TLS port: GET and HEAD redirected with 308 to the same
//     address over https://, anything else (a plain WebSocket upgrade, POST, a
//     Host that cannot be put in a Location) refused with 400 https_required;
//     with tls.plain_http "refuse" every plain request gets the 400;
//   - TLS 1.1 refused (the server's protocol_version alert), 1.2 and 1.3 accepted;
//   - a client that opens TCP and says nothing, or stops in the middle of its
//     ClientHello, is closed by the handshake deadline; the server serves others;
//   - start-up errors: a missing certificate, a key of another certificate, a
//     file that is not PEM, a key protected by a passphrase, a certificate
//     without its key;
//   - SIGTERM with TLS connections open ends cleanly;
//   - pleno-display: connects over wss:// with --ca-file and shows the session;
//     refuses a server whose certificate comes from another CA or names another
//     host, and keeps retrying without crashing.
//
// Environment: PLENO_SERVER_BINARY, PLENO_DISPLAY_BINARY (CTest sets both).
// Run: PLENO_SERVER_BINARY=build/server/pleno-server PLENO_DISPLAY_BINARY=build/display/pleno-display \
//        node --test tests/suites/tls.test.mjs
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, demo } from '../web/harness.mjs';
import { openClient } from './lib/pleno-client.mjs';

const run = promisify(execFile);
const HANDSHAKE_SECONDS = 2;

let folder;
let files;      // paths of the PEM files
let ca;         // the test CA's certificate (PEM text)
let server;     // TLS, plain HTTP redirected

async function openssl(...args) {
  return run('openssl', args, { cwd: folder });
}

// A CA, a server certificate for localhost and 127.0.0.1 signed by it, one
// for another host name signed by it, and a second CA nobody trusts.
async function makeCertificates() {
  folder = await mkdtemp(path.join(os.tmpdir(), 'pleno-tls-'));
  const file = (name) => path.join(folder, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Pleno test CA');
  await openssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=Another CA');
  const sign = async (name, altNames) => {
    await openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    await writeFile(file(`${name}.ext`), `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  await sign('server', 'DNS:localhost,IP:127.0.0.1');
  await sign('elsewhere', 'DNS:pleno.example.org');
  await writeFile(file('not-pem.crt'), 'this is not a certificate\n');
  await openssl('pkey', '-in', 'server.key', '-aes256', '-passout', 'pass:council', '-out', 'sealed.key');
  files = {
    ca: file('ca.crt'), otherCa: file('other-ca.crt'),
    cert: file('server.crt'), key: file('server.key'),
    elsewhereCert: file('elsewhere.crt'), elsewhereKey: file('elsewhere.key'),
    notPem: file('not-pem.crt'), sealedKey: file('sealed.key'),
  };
  ca = await readFile(files.ca, 'utf8');
}

// One HTTP(S) request; resolves with {status, headers, body}.
function request(url, { method = 'GET', headers = {}, body, agentOptions = {} } = {}) {
  const module = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = module.request(url, { method, headers, ...agentOptions }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(10000, () => outgoing.destroy(new Error(`no answer from ${url}`)));
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

// Bytes written as they are to the port (for plain HTTP and broken requests).
function rawExchange(port, text, { timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(timeout, () => { socket.destroy(); reject(new Error('no end of answer')); });
  });
}

// Milliseconds until the server closes a connection that says `text` (maybe nothing) and then waits.
function closedAfter(port, text) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => { if (text) socket.write(text); });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => resolve(Date.now() - started));
    setTimeout(() => { socket.destroy(); reject(new Error('still open after 15 s')); }, 15000);
  });
}

before(async () => {
  await makeCertificates();
  server = await startServer({ tls: { cert: files.cert, key: files.key }, config: { limits: { handshake_timeout_seconds: HANDSHAKE_SECONDS } } });
});

after(async () => {
  if (server) await server.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('HTTPS', () => {
  test('pages and the API are served over TLS with Strict-Transport-Security', async () => {
    for (const target of ['/', '/moderate', '/healthz', '/api/session']) {
      const answer = await request(`https://127.0.0.1:${server.port}${target}`, { agentOptions: { ca } });
      assert.equal(answer.status, 200, `${target}: ${answer.body}`);
      assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000', target);
    }
  });

  test('the server names itself https:// and wss:// in its banner', () => {
    assert.match(server.log(), new RegExp(`WebSocket: +wss://127\\.0\\.0\\.1:${server.port}/ws`));
    assert.match(server.log(), /plain HTTP on this port is redirected to https:\/\//);
  });

  test('the login cookie is Secure (and still HttpOnly, SameSite=Strict)', async () => {
    const answer = await request(`https://127.0.0.1:${server.port}/api/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: demo.moderator.name, password: demo.moderator.password }), agentOptions: { ca },
    });
    assert.equal(answer.status, 200, answer.body);
    const cookie = [answer.headers['set-cookie']].flat().join('\n');
    assert.match(cookie, /pleno_token=[A-Za-z0-9_-]+;/);
    for (const flag of ['; Secure', '; HttpOnly', '; SameSite=Strict']) assert.ok(cookie.includes(flag), `${flag} in ${cookie}`);
  });

  test('hsts_max_age_seconds sets the max-age; 0 leaves the header out', async () => {
    for (const [maxAge, expected] of [[600, 'max-age=600'], [0, undefined]]) {
      const other = await startServer({ tls: { cert: files.cert, key: files.key }, config: { tls: { hsts_max_age_seconds: maxAge } } });
      try {
        const answer = await request(`https://127.0.0.1:${other.port}/`, { agentOptions: { ca } });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['strict-transport-security'], expected, `hsts_max_age_seconds ${maxAge}`);
      } finally {
        await other.stop();
      }
    }
  });

  test('a client that does not trust the CA is refused by its own check (the certificate is the test CA\'s)', async () => {
    await assert.rejects(request(`https://127.0.0.1:${server.port}/healthz`), /self[- ]signed|unable to (get|verify)/i);
  });
});

describe('WSS', () => {
  test('a citizen posts on /ws, a moderator approves on /ws/staff, a viewer on /ws receives it — all over TLS', async () => {
    const login = JSON.parse((await request(`https://127.0.0.1:${server.port}/api/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: demo.moderator.name, password: demo.moderator.password }), agentOptions: { ca },
    })).body);
    const viewer = await openClient(server.port, { ca });
    const citizen = await openClient(server.port, { ca });
    const moderator = await openClient(server.port, { ca, path: '/ws/staff' });
    try {
      assert.equal((await viewer.hello({ role: 'viewer' })).type, 'welcome');
      await viewer.waitFor((m) => m.type === 'snapshot');
      assert.equal((await citizen.hello({ role: 'citizen' })).type, 'welcome');
      assert.equal((await moderator.hello({ role: 'moderator', token: login.token })).type, 'welcome');
      const text = 'Enviado por TLS: ¿se puede leer cifrado? 🔒';
      const ack = await citizen.request({ type: 'submit_post', client_id: 'tls-1', author: 'Vecina', text, session_id: 1 });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      const approved = await moderator.request({ type: 'approve', post_id: ack.post.id });
      assert.equal(approved.type, 'ack', JSON.stringify(approved));
      const seen = await viewer.waitFor((m) => m.type === 'post_approved' && m.post?.id === ack.post.id);
      assert.equal(seen.post.text, text);
      assert.match(server.log(), /\(staff lane\)/, 'the /ws/staff connection was served on the staff lane');
    } finally {
      for (const client of [viewer, citizen, moderator]) client.close();
    }
  });

  test('the Origin check takes https://Host as the server\'s own, and nothing over http:// or from elsewhere', async () => {
    for (const wsPath of ['/ws', '/ws/staff']) {
      const own = await openClient(server.port, { ca, path: wsPath, origin: `https://127.0.0.1:${server.port}` });
      try {
        assert.equal((await own.hello({ role: 'viewer' })).type, 'welcome', wsPath);
      } finally {
        own.close();
      }
      for (const origin of [`http://127.0.0.1:${server.port}`, 'https://evil.example', `https://127.0.0.1:${server.port + 1}`]) {
        await assert.rejects(openClient(server.port, { ca, path: wsPath, origin }), (error) => {
          assert.equal(error.status, 403, `${wsPath} from ${origin}: ${error.message}`);
          assert.match(error.body, /"code":"bad_origin"/);
          return true;
        });
      }
    }
  });

  test('a large message (14 KiB) crosses the relay whole in both directions', async () => {
    const client = await openClient(server.port, { ca });
    try {
      await client.hello({ role: 'viewer' });
      // The server reads the whole 14 KiB message before it can name the unknown field.
      const answer = await client.request({ type: 'ping', pad: 'x'.repeat(14 * 1024) });
      assert.equal(answer.type, 'error');
      assert.equal(answer.code, 'bad_request');
      assert.match(answer.message, /pad/);
    } finally {
      client.close();
    }
  });
});

describe('plain HTTP on the TLS port', () => {
  test('GET and HEAD are redirected with 308 to the same address over https://', async () => {
    const get = await request(`http://127.0.0.1:${server.port}/moderate?x=1`);
    assert.equal(get.status, 308);
    assert.equal(get.headers.location, `https://127.0.0.1:${server.port}/moderate?x=1`);
    const head = await request(`http://127.0.0.1:${server.port}/`, { method: 'HEAD' });
    assert.equal(head.status, 308);
    assert.equal(head.headers.location, `https://127.0.0.1:${server.port}/`);
    // Strict-Transport-Security is never sent over plain HTTP (RFC 6797, 7.2).
    for (const answer of [get, head]) assert.equal(answer.headers['strict-transport-security'], undefined);
  });

  test('a plain WebSocket upgrade is refused (400 https_required), never switched', async () => {
    for (const target of ['/ws', '/ws/staff']) {
      const answer = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      assert.match(answer, /^HTTP\/1\.1 400 /, target);
      assert.match(answer, /"code":"https_required"/, target);
      assert.doesNotMatch(answer, /101 Switching/, target);
    }
  });

  test('POST, a Host with odd characters and a target that is not a path are refused, not redirected', async () => {
    const post = await request(`http://127.0.0.1:${server.port}/api/login`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(post.status, 400);
    assert.equal(post.headers['strict-transport-security'], undefined);
    assert.equal(JSON.parse(post.body).code, 'https_required');
    const badHost = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: evil.example"><script>\r\n\r\n');
    assert.match(badHost, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(badHost, /Location:/i);
    const absolute = await rawExchange(server.port, `GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    assert.match(absolute, /^HTTP\/1\.1 400 /);
  });

  test('with tls.plain_http "refuse" every plain request gets 400 https_required', async () => {
    const refusing = await startServer({ tls: { cert: files.cert, key: files.key }, config: { tls: { plain_http: 'refuse' } } });
    try {
      const answer = await request(`http://127.0.0.1:${refusing.port}/`);
      assert.equal(answer.status, 400);
      assert.equal(answer.headers.location, undefined);
      assert.equal(JSON.parse(answer.body).code, 'https_required');
      assert.match(refusing.log(), /plain HTTP on this port is refused/);
      const secure = await request(`https://127.0.0.1:${refusing.port}/healthz`, { agentOptions: { ca } });
      assert.equal(secure.status, 200);
    } finally {
      await refusing.stop();
    }
  });
});

describe('protocol versions and deadlines', () => {
  test('TLS 1.1 is refused by the server (protocol_version alert); TLS 1.2 and 1.3 are accepted', async () => {
    const attempt = (...flags) => run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, ...flags],
      { timeout: 10000 }).then((r) => r.stdout + r.stderr, (e) => `${e.stdout}${e.stderr}`);
    const old = await attempt('-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0');
    assert.match(old, /alert protocol version|alert number 70/, old);
    for (const [flag, name] of [['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']]) {
      const output = await attempt(flag, '-CAfile', files.ca);
      assert.match(output, new RegExp(`Protocol *: *${name.replace('.', '\\.')}`), output);
      assert.match(output, /Verify return code: 0 \(ok\)/, output);
    }
  });

  test('a client that says nothing, or stops inside its ClientHello, is closed by the handshake deadline', async () => {
    const limit = (HANDSHAKE_SECONDS + 2) * 1000;
    const silent = await closedAfter(server.port, '');
    assert.ok(silent >= HANDSHAKE_SECONDS * 1000 - 200 && silent < limit, `closed after ${silent} ms`);
    const partialHello = await closedAfter(server.port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
    assert.ok(partialHello >= HANDSHAKE_SECONDS * 1000 - 200 && partialHello < limit, `closed after ${partialHello} ms`);
    const answer = await request(`https://127.0.0.1:${server.port}/healthz`, { agentOptions: { ca } });
    assert.equal(answer.status, 200);
  });

  test('a TLS client speaking garbage after the handshake is closed; the server stays up', async () => {
    await new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca }, () => socket.write('\x00\x01\x02 not HTTP at all\r\n\r\n'));
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', resolve);
      setTimeout(() => reject(new Error('not closed')), 10000);
    });
    const answer = await request(`https://127.0.0.1:${server.port}/healthz`, { agentOptions: { ca } });
    assert.equal(answer.status, 200);
  });
});

describe('start-up errors', () => {
  const cases = [
    ['a missing certificate file', () => ({ cert: path.join(folder, 'nothing.crt'), key: files.key }), /not a readable file/],
    ['a key that belongs to another certificate', () => ({ cert: files.cert, key: files.elsewhereKey }), /does not belong to the certificate/],
    ['a certificate file that is not PEM', () => ({ cert: files.notPem, key: files.key }), /is not a PEM certificate chain/],
    // Without a terminal to ask on, and without waiting for one.
    ['a key protected by a passphrase', () => ({ cert: files.cert, key: files.sealedKey }), /sealed\.key is protected by a passphrase/],
  ];
  for (const [name, given, message] of cases) {
    test(`${name}: the server says so and exits with 1`, async () => {
      await assert.rejects(startServer({ tls: given() }), (error) => {
        assert.match(error.message, /exited \(1\) before listening/);
        assert.match(error.message, message);
        return true;
      });
    });
  }
  test('a certificate without its key: the server says so and exits with 1', async () => {
    await assert.rejects(startServer({ config: { tls: { cert: files.cert } } }), (error) => {
      assert.match(error.message, /exited \(1\) before listening/);
      assert.match(error.message, /needs both a certificate and its key/);
      return true;
    });
  });
});

describe('shutdown', () => {
  test('SIGTERM with TLS connections open (idle, mid-handshake, WebSocket) ends cleanly', async () => {
    const stopping = await startServer({ tls: { cert: files.cert, key: files.key } });
    const clients = [];
    for (let i = 0; i < 5; i += 1) {
      const client = await openClient(stopping.port, { ca, path: i % 2 ? '/ws/staff' : '/ws' });
      await client.hello({ role: 'viewer' });
      clients.push(client);
    }
    const idle = net.connect(stopping.port, '127.0.0.1');
    idle.on('error', () => {});
    const closes = clients.map((client) => client.waitClosed(10000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(stopping.pid, 'SIGTERM');
    const { code, signal } = await stopping.exited();
    idle.destroy();
    assert.equal(signal, null, stopping.log().slice(-3000));
    assert.equal(code, 0, stopping.log().slice(-3000));
    assert.match(stopping.log(), /stopped cleanly/);
    const codes = (await Promise.all(closes)).map((info) => info.code);
    for (const closeCode of codes) assert.equal(closeCode, 1001, `close codes ${codes}`);
    await stopping.stop();
  });
});

describe('pleno-display over wss://', () => {
  // Runs pleno-display offscreen; resolves with {code, signal, log, stoppedByTest} when it
  // exits, or after `ms` when the test stops it (SIGTERM).
  function runDisplay(args, ms) {
    return new Promise((resolve) => {
      assert.ok(process.env.PLENO_DISPLAY_BINARY, 'PLENO_DISPLAY_BINARY is not set (CTest sets it when the display is built)');
      const child = spawn(process.env.PLENO_DISPLAY_BINARY, ['--windowed', '--size', '640x360', ...args], {
        env: { ...process.env, SDL_VIDEODRIVER: 'offscreen', SDL_AUDIODRIVER: 'dummy', PLENO_DISPLAY_TOKEN: demo.displayToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      let stoppedByTest = false;
      child.stdout.on('data', (chunk) => { log += chunk; });
      child.stderr.on('data', (chunk) => { log += chunk; });
      const timer = setTimeout(() => { stoppedByTest = true; child.kill('SIGTERM'); }, ms);
      child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, log, stoppedByTest }); });
    });
  }

  test('with --ca-file it connects, receives the session and draws it (by address and by name)', async () => {
    // By name, the display also sends SNI and checks the certificate's DNS name.
    await Promise.all(['127.0.0.1', 'localhost'].map(async (host) => {
      const shot = path.join(folder, `wall-${host}.png`);
      const result = await runDisplay(['--server', `wss://${host}:${server.port}/ws`, '--ca-file', files.ca, '--screenshot', shot], 30000);
      assert.equal(result.code, 0, result.log);
      assert.ok(result.log.includes(`connected to wss://${host}:${server.port}/ws`), result.log);
      assert.match(result.log, /wrote .*wall-.*\.png/);
      const png = await readFile(shot);
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    }));
  });

  test('a certificate from a CA it was not told to trust is refused, and it keeps retrying', async () => {
    const result = await runDisplay(['--server', `wss://127.0.0.1:${server.port}/ws`, '--ca-file', files.otherCa, '--frames', '100000'], 5000);
    assert.doesNotMatch(result.log, /connected to/);
    assert.match(result.log, /certificate verify failed .*\(unable to get local issuer certificate\)/);
    assert.ok((result.log.match(/cannot link to/g) || []).length >= 2, `retried:\n${result.log}`);
    assert.ok(result.stoppedByTest, `it was still running when the test stopped it:\n${result.log}`);
    assert.equal(result.code, 0, `and then it stopped cleanly:\n${result.log}`);
  });

  test('a certificate that names another host is refused', async () => {
    const elsewhere = await startServer({ tls: { cert: files.elsewhereCert, key: files.elsewhereKey } });
    try {
      // The certificate comes from the trusted CA: only the address or name is wrong, and the log says so.
      const cases = [['127.0.0.1', /certificate verify failed .*\(IP address mismatch\)/], ['localhost', /certificate verify failed .*\(hostname mismatch\)/]];
      await Promise.all(cases.map(async ([host, reason]) => {
        const result = await runDisplay(['--server', `wss://${host}:${elsewhere.port}/ws`, '--ca-file', files.ca, '--frames', '100000'], 4000);
        assert.doesNotMatch(result.log, /connected to/);
        assert.match(result.log, reason);
      }));
    } finally {
      await elsewhere.stop();
    }
  });

  test('a CA file that does not exist is refused at start with a clear message', async () => {
    const result = await runDisplay(['--server', `wss://127.0.0.1:${server.port}/ws`, '--ca-file', path.join(folder, 'none.pem')], 5000);
    assert.equal(result.code, 2, result.log);
    assert.match(result.log, /--ca-file: .*none\.pem" is not a readable file/);
  });
});
