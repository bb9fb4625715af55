// Small clients for the origin and session suites (Node 18: no global
// WebSocket, so the `ws` package; node:net and node:http where a test needs
// what a library would not send or would hide).
//
//   const client = await openClient(server.port, { origin, cookie, path: '/ws/staff' });
//   const welcome = await client.hello({ role: 'moderator', token });
//   const ack = await client.request({ type: 'ping' });
//   const { code, at } = await client.closed;        // close code, Date.now() of the close
//
//   const answer = await rawUpgrade(port, { origins: ['http://a', 'http://b'] });
//   answer.status, answer.body                         // 101, or 403 with {"code": "bad_origin"}
//
//   const reply = await httpJson(port, 'POST', '/api/login', { body, localAddress: '127.0.0.2' });
import net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export { WebSocket };

const DEFAULT_TIMEOUT_MS = Number(process.env.PLENO_CLIENT_TIMEOUT_MS || 15000);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// A protocol client over `ws`. Resolves once the upgrade succeeded; rejects
// with error.status / error.body when the server answered the upgrade with an
// HTTP error instead.
// `ca`: the server speaks TLS; connect with wss:// and trust this CA (PEM).
// `localAddress`: connect from this loopback address (127.0.0.2 ...), as another device would.
export function openClient(port, { origin, cookie, host, headers: extraHeaders = {}, path: wsPath = '/ws', timeout = DEFAULT_TIMEOUT_MS, ca, localAddress } = {}) {
  const headers = { ...extraHeaders };
  if (origin !== undefined) headers.Origin = origin;
  if (cookie !== undefined) headers.Cookie = cookie;
  if (host !== undefined) headers.Host = host;
  const socket = new WebSocket(`${ca ? 'wss' : 'ws'}://127.0.0.1:${port}${wsPath}`, { headers, perMessageDeflate: false, ...(ca ? { ca } : {}), ...(localAddress ? { localAddress } : {}) });
  const client = {
    socket,
    received: [],
    waiting: new Map(),
    listeners: new Set(),
    next: 1,
    closeInfo: null,
  };
  client.closed = new Promise((resolve) => {
    socket.on('close', (code, reason) => {
      client.closeInfo = { code, reason: reason.toString(), at: Date.now() };
      for (const [, pending] of client.waiting) pending.reject(new Error(`connection closed (${code}) before the answer`));
      client.waiting.clear();
      resolve(client.closeInfo);
    });
  });
  socket.on('message', (data) => {
    const parsed = JSON.parse(data.toString());
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      message.receivedAt = Date.now();
      client.received.push(message);
      if (message.req !== undefined && message.req !== null && client.waiting.has(message.req)) {
        client.waiting.get(message.req).resolve(message);
        client.waiting.delete(message.req);
      }
      for (const listener of client.listeners) listener(message);
    }
  });
  // Sends `message` with a fresh req; resolves with its ack, error or welcome.
  client.request = (message, ms = timeout) => {
    const req = client.next++;
    const answer = new Promise((resolve, reject) => client.waiting.set(req, { resolve, reject }));
    socket.send(JSON.stringify({ ...message, req }));
    return withTimeout(answer, ms, `answer to ${message.type}`);
  };
  client.hello = (fields) => client.request({ type: 'hello', ...fields });
  // Resolves with the first message (received so far or later) matching `predicate`.
  client.waitFor = (predicate, ms = timeout) => {
    const found = client.received.find(predicate);
    if (found) return Promise.resolve(found);
    let listener;
    return withTimeout(new Promise((resolve) => {
      listener = (message) => { if (predicate(message)) resolve(message); };
      client.listeners.add(listener);
    }), ms, 'a matching message').finally(() => client.listeners.delete(listener));
  };
  client.waitClosed = (ms = timeout) => withTimeout(client.closed, ms, 'the connection to close');
  client.isOpen = () => socket.readyState === WebSocket.OPEN;
  client.close = () => {
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.terminate();
  };
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        const error = new Error(`upgrade refused: HTTP ${response.statusCode} ${body}`);
        error.status = response.statusCode;
        error.body = body;
        try { error.json = JSON.parse(body); } catch { error.json = null; }
        request.destroy();
        reject(error);
      });
    });
    socket.once('error', reject);
  }), timeout, `the upgrade of ${wsPath}`);
}

// Sends a WebSocket upgrade request byte for byte as given: `origins` is a
// list (none, one, or several Origin header lines, values sent verbatim),
// `host` the Host header (null: none), `extra` more raw header lines.
// Resolves with {status, headers, body, json} once the answer's head (and, for
// an error, its body) has arrived; a 101 connection is then closed.
export function rawUpgrade(port, { path: target = '/ws', origins = [], host = `127.0.0.1:${port}`, extra = [], timeout = DEFAULT_TIMEOUT_MS } = {}) {
  const lines = [`GET ${target} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  lines.push('Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13');
  for (const origin of origins) lines.push(`Origin: ${origin}`);
  lines.push(...extra);
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  return withTimeout(new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let buffer = Buffer.alloc(0);
    let head = null;
    const finish = (bodyBuffer) => {
      socket.destroy();
      const body = bodyBuffer.toString('utf8');
      let json = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      resolve({ ...head, body, json });
    };
    const parse = () => {
      if (!head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
        const headers = {};
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        head = { status, headers };
        buffer = buffer.subarray(end + 4);
        if (status === 101) return finish(Buffer.alloc(0));
      }
      const length = Number(head.headers['content-length'] ?? NaN);
      if (Number.isFinite(length) && buffer.length >= length) finish(buffer.subarray(0, length));
    };
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); parse(); });
    socket.on('end', () => { if (head) finish(buffer); else reject(new Error(`connection ended without an answer (${buffer.length} bytes)`)); });
    socket.on('error', (error) => { if (!head) reject(error); });
  }), timeout, `the answer to an upgrade of ${target}`);
}

// One HTTP request on its own connection (no pooling), optionally from a given
// local address (127.0.0.2 ... are loopback addresses too). Resolves with
// {status, headers, body, json, at} where `at` is Date.now() when the answer ended.
export function httpJson(port, method, target, { body, headers = {}, token, localAddress, timeout = DEFAULT_TIMEOUT_MS } = {}) {
  const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
  const allHeaders = { ...headers };
  if (payload !== undefined) {
    allHeaders['Content-Type'] ??= 'application/json';
    allHeaders['Content-Length'] = Buffer.byteLength(payload);
  }
  if (token) allHeaders.Authorization = `Bearer ${token}`;
  return withTimeout(new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path: target, headers: allHeaders, agent: false, localAddress },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { text += chunk; });
        response.on('end', () => {
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: response.statusCode, headers: response.headers, body: text, json, at: Date.now() });
        });
      });
    request.on('error', reject);
    if (payload !== undefined) request.write(payload);
    request.end();
  }), timeout, `${method} ${target}`);
}

// Polls `probe` (async, returns a truthy value when done) until it succeeds or
// `ms` pass; resolves with the value, rejects with `what` on the deadline.
export async function until(probe, { ms = DEFAULT_TIMEOUT_MS, every = 50, what = 'a condition' } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
