// A protocol client for the hostile-input and Unicode suites (Node 18: no
// global WebSocket, so the `ws` package). It sends anything (objects, raw
// strings, raw bytes in a text frame), keeps every message the server sent
// (batches flattened) and answers "the next reply" (ack, error or welcome) in
// order, since these suites send one request at a time per connection.
//
//   const client = await JsonClient.connect(server.port, { path: '/ws/staff' });
//   const welcome = await client.hello({ role: 'moderator', token });
//   const reply = await client.request({ type: 'ping', req: 1 });  // ack or error
//   const reply2 = await client.exchange('{"type": "ping"');       // raw text
//   const close = await client.closed;                              // {code, reason}
//
// Also: sqlite3 read-only queries (the database of a running server in WAL
// mode can be read by another process at any time).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import WebSocket from 'ws';

const run = promisify(execFile);
export const TIMEOUT_MS = Number(process.env.PLENO_CLIENT_TIMEOUT_MS || 15000);

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const REPLY_TYPES = new Set(['ack', 'error', 'welcome']);

export class JsonClient {
  // Resolves once the upgrade succeeded. `headers` are sent with the upgrade.
  static connect(port, { path = '/ws', headers = {} } = {}) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers, perMessageDeflate: false });
      const client = new JsonClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (request, response) => reject(new Error(`upgrade refused: HTTP ${response.statusCode}`)));
      socket.once('error', (error) => { if (socket.readyState !== WebSocket.OPEN) reject(error); });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.received = [];      // every message, in order
    this.rawFrames = [];     // every text frame as received (Buffer)
    this.replyCursor = 0;    // index in `received` after the last reply taken
    this.wakeups = new Set();
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => {});  // the close event follows
    socket.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.rawFrames.push(buffer);
      let parsed;
      try {
        parsed = JSON.parse(buffer.toString('utf8'));
      } catch (error) {
        parsed = { type: '<unparsable>', raw: buffer.toString('latin1'), binary: isBinary };
      }
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.received.push(message);
      this.wake();
    });
  }

  wake() {
    for (const wakeup of this.wakeups) wakeup();
  }

  // Waits until `check()` returns something other than undefined.
  waitUntil(check, what, timeout = TIMEOUT_MS) {
    let attempt;
    return withTimeout(new Promise((resolve, reject) => {
      attempt = () => {
        let value;
        try {
          value = check();
        } catch (error) {
          reject(error);
          return;
        }
        if (value !== undefined) resolve(value);
      };
      this.wakeups.add(attempt);
      attempt();
    }), timeout, what).finally(() => this.wakeups.delete(attempt));
  }

  get open() {
    return this.socket.readyState === WebSocket.OPEN;
  }

  // Sends an object as JSON, a string as is, or a Buffer as the payload of a
  // TEXT frame (whatever its bytes), or with {binary: true} a binary frame.
  send(message, { binary = false } = {}) {
    const payload = typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message);
    this.socket.send(payload, { binary });
  }

  // The next ack, error or welcome after the previous one taken. Resolves
  // with null when the connection closes first.
  nextReply(timeout = TIMEOUT_MS) {
    return this.waitUntil(() => {
      for (let index = this.replyCursor; index < this.received.length; index += 1) {
        if (REPLY_TYPES.has(this.received[index].type)) {
          this.replyCursor = index + 1;
          return this.received[index];
        }
      }
      if (this.closeInfo) return null;
      return undefined;
    }, 'a reply', timeout);
  }

  async exchange(message, options) {
    this.send(message, options);
    return this.nextReply();
  }

  request(message) {
    return this.exchange(message);
  }

  // hello, then the welcome (or error); after a welcome, also waits for the
  // snapshot or `resumed` that follows it.
  async hello(fields = {}) {
    const mark = this.received.length;
    const reply = await this.exchange({ type: 'hello', ...fields });
    if (reply && reply.type === 'welcome') {
      await this.waitUntil(() => this.received.slice(mark).find((m) => m.type === 'snapshot' || m.type === 'resumed'), 'the snapshot');
    }
    return reply;
  }

  // Messages received since index `mark` that are events (they carry a seq).
  eventsSince(mark) {
    return this.received.slice(mark).filter((message) => typeof message.seq === 'number' && message.type !== 'snapshot' && message.type !== 'resumed');
  }

  // The first message from index `from` matching `predicate`.
  waitFor(predicate, what, { from = 0, timeout = TIMEOUT_MS } = {}) {
    return this.waitUntil(() => this.received.slice(from).find(predicate), what, timeout);
  }

  close() {
    try {
      this.socket.terminate();
    } catch {
      // already gone
    }
  }
}

// Runs SQL on a database file, read-only; returns the rows of the LAST
// statement (sqlite3 -json prints one array per statement).
export async function sqliteRows(databaseFile, sql) {
  const { stdout } = await run('sqlite3', ['-readonly', '-json', databaseFile, sql], { maxBuffer: 64 * 1024 * 1024 });
  const text = stdout.trim();
  if (!text) return [];
  return JSON.parse(text);
}

// Runs SQL that writes, on a database no server holds (offline preparation).
export async function sqliteWrite(databaseFile, sql) {
  await run('sqlite3', [databaseFile, sql]);
}

// HTTP with fetch: {status, body (parsed JSON when possible)}.
export async function httpJson(url, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

// Decodes a PNG as chromium writes it (8 bits per channel, RGB or RGBA, not
// interlaced) into {width, height, channels, pixel(x, y) → [r, g, b, a]}.
export function decodePng(buffer) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!buffer.subarray(0, 8).equals(signature)) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6)) throw new Error(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x += 1) {
      const left = x >= channels ? pixels[y * stride + x - channels] : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels] : 0;
      let value = line[x];
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) {
        const estimate = left + up - upLeft;
        const toLeft = Math.abs(estimate - left);
        const toUp = Math.abs(estimate - up);
        const toUpLeft = Math.abs(estimate - upLeft);
        value += toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
      }
      pixels[y * stride + x] = value & 0xff;
    }
  }
  return {
    width,
    height,
    channels,
    pixel(x, y) {
      const start = y * stride + x * channels;
      return [...pixels.subarray(start, start + channels)];
    },
  };
}
