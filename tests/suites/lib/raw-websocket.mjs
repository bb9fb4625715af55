// A WebSocket client over node:net that does exactly what it is told, for the
// protocol conformance suite: the opening handshake with any key and headers,
// frames with any FIN, RSV bits, opcode, mask and length encoding (7-bit,
// 16-bit, 64-bit, non-minimal, a 64-bit length with the high bit set), writes
// split at chosen byte boundaries, and a reader that parses the server's frames
// strictly (it records every way a server frame breaks RFC 6455), the close
// code and reason, and the end of the TCP connection.
//
//   const ws = await RawWebSocket.connect({ port });
//   await ws.sendFrame({ opcode: OP.text, payload: '{"type":"ping","req":1}' });
//   const message = await ws.nextMessage();          // JSON, arrays flattened
//   await ws.sendFrame({ opcode: OP.text, rsv1: true, payload: 'x' });
//   const close = await ws.expectClose();            // {code, reason, frames}
//   await ws.waitTcpEnd();
//
// Node 18 compatible (no global WebSocket, nothing newer than node:net/crypto).
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = Object.freeze({
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
});

const DEFAULT_TIMEOUT_MS = Number(process.env.PLENO_RAW_WS_TIMEOUT_MS || 10000);

// The Sec-WebSocket-Accept value a server must answer to `key`.
export function acceptFor(key) {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

export function randomKey() {
  return randomBytes(16).toString('base64');
}

function toBuffer(payload) {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (Array.isArray(payload)) return Buffer.from(payload);
  return Buffer.from(String(payload), 'utf8');
}

// The payload of a close frame: a 2-byte code (any 0..65535) and a reason
// (string or bytes). `closePayload()` alone is the empty payload.
export function closePayload(code, reason = '') {
  if (code === undefined) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, toBuffer(reason)]);
}

// Builds one frame. Options:
//   opcode (0..15), payload (string = UTF-8, Buffer, byte array),
//   fin (default true), rsv1 / rsv2 / rsv3 (default false),
//   mask (default true; false sends an unmasked frame), maskKey (4 bytes;
//   default random),
//   lengthEncoding: 'minimal' (default), '7', '16' or '64' — the field used
//   for the length, also when it is not the minimal one,
//   declaredLength: a BigInt or number written in the length field instead of
//   the payload's real length (e.g. 2n ** 63n + 5n for a high bit set),
//   omitPayload: true writes only the header (the payload "follows later").
export function encodeFrame({
  opcode,
  payload,
  fin = true,
  rsv1 = false,
  rsv2 = false,
  rsv3 = false,
  mask = true,
  maskKey,
  lengthEncoding = 'minimal',
  declaredLength,
  omitPayload = false,
} = {}) {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new Error(`bad opcode ${opcode}`);
  const data = toBuffer(payload);
  const length = declaredLength === undefined ? BigInt(data.length) : BigInt(declaredLength);
  let encoding = lengthEncoding;
  if (encoding === 'minimal') encoding = length < 126n ? '7' : length < 65536n ? '16' : '64';
  const header = [];
  header.push((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (rsv2 ? 0x20 : 0) | (rsv3 ? 0x10 : 0) | opcode);
  const maskBit = mask ? 0x80 : 0;
  if (encoding === '7') {
    if (length > 125n) throw new Error('a 7-bit length holds at most 125');
    header.push(maskBit | Number(length));
  } else if (encoding === '16') {
    if (length > 0xffffn) throw new Error('a 16-bit length holds at most 65535');
    header.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  } else if (encoding === '64') {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((length >> shift) & 0xffn));
  } else {
    throw new Error(`unknown length encoding ${lengthEncoding}`);
  }
  let key = Buffer.alloc(0);
  let body = omitPayload ? Buffer.alloc(0) : Buffer.from(data);
  if (mask) {
    key = maskKey === undefined ? randomBytes(4) : toBuffer(maskKey);
    if (key.length !== 4) throw new Error('a mask key has 4 bytes');
    for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  }
  return Buffer.concat([Buffer.from(header), key, body]);
}

// Splits `buffer` at the given offsets: split(b, [1, 3]) → [b[0..1), b[1..3), b[3..)].
export function splitAt(buffer, offsets) {
  const pieces = [];
  let start = 0;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (offset <= start || offset >= buffer.length) continue;
    pieces.push(buffer.subarray(start, offset));
    start = offset;
  }
  pieces.push(buffer.subarray(start));
  return pieces;
}

export function isValidUtf8(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Sends an HTTP/1.1 request on a fresh TCP connection and reads the response
// head. Returns {socket, status, statusLine, headers (lower-case names; a
// repeated header joined with ', '), rest (bytes after the head)}.
export async function rawHttpRequest({ port, host = '127.0.0.1', request, timeoutMs = DEFAULT_TIMEOUT_MS }) {
  const socket = net.connect({ port, host });
  socket.setNoDelay(true);
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  }), timeoutMs, 'the TCP connection');
  const chunks = [];
  let ended = false;
  const head = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.off('data', onData);
        socket.pause();
        resolve({ head: all.subarray(0, end).toString('latin1'), rest: all.subarray(end + 4) });
      }
    };
    socket.on('data', onData);
    socket.once('end', () => { ended = true; reject(new Error(`the server closed before a complete response head: ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`)); });
    socket.once('error', reject);
  });
  socket.write(request);
  let parsed;
  try {
    parsed = await withTimeout(head, timeoutMs, 'the HTTP response head');
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const lines = parsed.head.split('\r\n');
  const statusLine = lines.shift();
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) {
    socket.destroy();
    throw new Error(`not an HTTP response: ${statusLine}`);
  }
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { socket, status: Number(match[1]), statusLine, headers, rest: parsed.rest, ended };
}

// The text of an upgrade request. `headers` adds or replaces headers (a value
// of null removes a default one); `key` defaults to a random valid key.
export function upgradeRequest({ path = '/ws', host = '127.0.0.1', port, key = randomKey(), headers = {}, method = 'GET', httpVersion = '1.1' } = {}) {
  const defaults = {
    Host: port ? `${host}:${port}` : host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
  };
  const merged = new Map();
  for (const [name, value] of Object.entries(defaults)) merged.set(name.toLowerCase(), [name, value]);
  for (const [name, value] of Object.entries(headers)) merged.set(name.toLowerCase(), [name, value]);
  let text = `${method} ${path} HTTP/${httpVersion}\r\n`;
  for (const [, [name, value]] of merged) {
    if (value === null || value === undefined) continue;
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

// One connected WebSocket (after a 101), reading the server's frames.
export class RawWebSocket {
  // Opens a WebSocket: handshake, checks 101 and Sec-WebSocket-Accept, returns
  // the client (with .response holding status and headers).
  static async connect({ port, host = '127.0.0.1', path = '/ws', key = randomKey(), headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
    const response = await rawHttpRequest({ port, host, request: upgradeRequest({ path, host, port, key, headers }), timeoutMs });
    if (response.status !== 101) {
      response.socket.destroy();
      throw new Error(`the upgrade was answered ${response.statusLine}`);
    }
    if (response.headers['sec-websocket-accept'] !== acceptFor(key)) {
      response.socket.destroy();
      throw new Error(`Sec-WebSocket-Accept is ${response.headers['sec-websocket-accept']}, expected ${acceptFor(key)}`);
    }
    const client = new RawWebSocket(response.socket, response.rest, timeoutMs);
    client.response = { status: response.status, statusLine: response.statusLine, headers: response.headers };
    return client;
  }

  constructor(socket, leftover = Buffer.alloc(0), timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.pending = Buffer.alloc(0);
    this.frames = [];          // every frame received, in order (never consumed)
    this.queue = [];           // frames not yet taken by nextFrame()
    this.waiters = [];
    this.violations = [];      // ways a server frame broke RFC 6455
    this.tcpEnded = false;     // the server sent FIN (or the connection closed)
    this.tcpClosed = false;
    this.socketError = null;
    this.writeErrors = [];
    this.fragments = null;     // a data message being checked
    this.closeFrameReceived = null;
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('end', () => { this.tcpEnded = true; this.#wake(); });
    socket.on('close', () => { this.tcpEnded = true; this.tcpClosed = true; this.#wake(); });
    socket.on('error', (error) => { this.socketError = error; this.#wake(); });
    if (leftover.length) this.#onData(leftover);
    socket.resume();
  }

  #wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  #changed(what, timeoutMs = this.timeoutMs) {
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), timeoutMs, what);
  }

  #onData(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const frame = this.#parseOne();
      if (!frame) break;
      this.frames.push(frame);
      this.queue.push(frame);
      this.#assemble(frame);
    }
    this.#wake();
  }

  #parseOne() {
    const b = this.pending;
    if (b.length < 2) return null;
    const fin = (b[0] & 0x80) !== 0;
    const rsv = (b[0] >> 4) & 0x07;
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let length = b[1] & 0x7f;
    let offset = 2;
    let lengthBytes = 0;
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      offset = 4;
      lengthBytes = 2;
    } else if (length === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.violations.push(`frame length ${big} is absurd`);
        this.socket.destroy();
        return null;
      }
      length = Number(big);
      offset = 10;
      lengthBytes = 8;
    }
    let key = null;
    if (masked) {
      if (b.length < offset + 4) return null;
      key = b.subarray(offset, offset + 4);
      offset += 4;
    }
    if (b.length < offset + length) return null;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i % 4];
    this.pending = b.subarray(offset + length);

    // RFC 6455 §5: what a server's frame must be.
    if (masked) this.violations.push(`a server frame (opcode ${opcode}) is masked`);
    if (rsv !== 0) this.violations.push(`a server frame (opcode ${opcode}) has RSV bits ${rsv}`);
    if ((opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb) this.violations.push(`a server frame uses reserved opcode ${opcode}`);
    if (opcode >= 0x8 && (!fin || length > 125)) this.violations.push(`a server control frame (opcode ${opcode}) is fragmented or longer than 125`);
    if ((lengthBytes === 2 && length < 126) || (lengthBytes === 8 && length < 65536)) {
      this.violations.push(`a server frame uses a non-minimal length encoding (${length} in ${lengthBytes} bytes)`);
    }
    if (this.closeFrameReceived) this.violations.push(`a server frame (opcode ${opcode}) follows the server's close frame`);
    const frame = { fin, rsv, opcode, masked, payload };
    if (opcode === OP.close) {
      frame.code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
      frame.reasonBytes = payload.subarray(Math.min(2, payload.length));
      frame.reason = frame.reasonBytes.toString('utf8');
      if (payload.length === 1) this.violations.push('the server sent a close frame with a 1-byte payload');
      this.closeFrameReceived = frame;
    }
    return frame;
  }

  // Checks the server's message structure as frames arrive (the messages
  // themselves are read by nextDataMessage).
  #assemble(frame) {
    if (frame.opcode >= 0x8) return;
    if (frame.opcode === OP.continuation) {
      if (!this.fragments) {
        this.violations.push('the server sent a continuation frame without a message to continue');
        return;
      }
      this.fragments.parts.push(frame.payload);
    } else {
      if (this.fragments) this.violations.push('the server started a new message inside a fragmented one');
      this.fragments = { opcode: frame.opcode, parts: [frame.payload] };
    }
    if (frame.fin) {
      const { opcode, parts } = this.fragments;
      this.fragments = null;
      if (opcode === OP.text && !isValidUtf8(Buffer.concat(parts))) {
        this.violations.push('the server sent a text message that is not valid UTF-8');
      }
    }
  }

  // Writes bytes; `pieces` (an array of Buffers) are written one after the
  // other, each after the previous one was handed to the kernel (with Nagle
  // off each is its own TCP segment in practice). Resolves when written; a
  // write refused because the server already closed is recorded, not thrown.
  async write(data) {
    const pieces = Array.isArray(data) ? data : [data];
    for (const piece of pieces) {
      if (this.socket.destroyed || this.socket.writableEnded) {
        this.writeErrors.push('socket already closed');
        return;
      }
      await new Promise((resolve) => {
        this.socket.write(piece, (error) => {
          if (error) this.writeErrors.push(error.code || error.message);
          resolve();
        });
      });
    }
  }

  // Writes `buffer` split at the given byte offsets.
  writeSplit(buffer, offsets) {
    return this.write(splitAt(buffer, offsets));
  }

  sendFrame(options) {
    return this.write(encodeFrame(options));
  }

  // Several frames in one TCP write.
  sendFrames(list) {
    return this.write(Buffer.concat(list.map((options) => encodeFrame(options))));
  }

  sendText(payload, options = {}) {
    return this.sendFrame({ opcode: OP.text, payload, ...options });
  }

  sendJson(object, options = {}) {
    return this.sendText(JSON.stringify(object), options);
  }

  sendPing(payload, options = {}) {
    return this.sendFrame({ opcode: OP.ping, payload, ...options });
  }

  sendClose(code, reason, options = {}) {
    return this.sendFrame({ opcode: OP.close, payload: closePayload(code, reason), ...options });
  }

  // The next frame from the server (any opcode), or throws when the TCP
  // connection ends first or nothing comes in time.
  async nextFrame({ timeoutMs = this.timeoutMs, skipPings = false } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.queue.length) {
        const frame = this.queue.shift();
        if (skipPings && frame.opcode === OP.ping) continue;
        return frame;
      }
      if (this.tcpEnded) throw new Error(`the TCP connection ended with no further frame (frames so far: ${this.describeFrames()})`);
      await this.#changed('a frame', Math.max(1, deadline - Date.now()));
    }
  }

  // Reads frames until the server's close frame; returns {code, reason,
  // reasonBytes, frames: the frames before it (pings from the server left out)}.
  // When an earlier nextFrame() already took the close frame, that one is
  // returned (with no frames before it).
  async expectClose({ timeoutMs = this.timeoutMs } = {}) {
    const taken = this.closeFrameReceived;
    if (taken && !this.queue.includes(taken)) return { code: taken.code, reason: taken.reason, reasonBytes: taken.reasonBytes, frames: [] };
    const before = [];
    for (;;) {
      const frame = await this.nextFrame({ timeoutMs });
      if (frame.opcode === OP.close) return { code: frame.code, reason: frame.reason, reasonBytes: frame.reasonBytes, frames: before };
      if (frame.opcode !== OP.ping) before.push(frame);
    }
  }

  // Resolves when the server ended the TCP connection (FIN or reset).
  async waitTcpEnd({ timeoutMs = this.timeoutMs } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (!this.tcpEnded) await this.#changed('the end of the TCP connection', Math.max(1, deadline - Date.now()));
  }

  // The next whole data message: {opcode, payload, text?}, reassembled from
  // its frames. Control frames on the way are passed over (they stay in
  // this.frames); a close frame or the end of the connection throws.
  async nextDataMessage({ timeoutMs = this.timeoutMs } = {}) {
    const deadline = Date.now() + timeoutMs;
    let opcode = null;
    const parts = [];
    for (;;) {
      const frame = await this.nextFrame({ timeoutMs: Math.max(1, deadline - Date.now()) });
      if (frame.opcode === OP.close) throw new Error(`the server closed (${frame.code} ${JSON.stringify(frame.reason)}) instead of answering`);
      if (frame.opcode >= 0x8) continue;
      if (opcode === null) opcode = frame.opcode;
      parts.push(frame.payload);
      if (frame.fin) {
        const payload = Buffer.concat(parts);
        const message = { opcode, payload };
        if (opcode === OP.text) message.text = payload.toString('utf8');
        return message;
      }
    }
  }

  // The next protocol message: text messages are parsed as JSON; a batch (an
  // array) is unpacked, its messages returned one by one.
  async nextMessage(options) {
    if (this.batch && this.batch.length) return this.batch.shift();
    const message = await this.nextDataMessage(options);
    if (message.opcode !== OP.text) throw new Error(`a non-text message (opcode ${message.opcode}) from the server`);
    const data = JSON.parse(message.text);
    this.batch = Array.isArray(data) ? data : [data];
    return this.batch.shift();
  }

  // Reads protocol messages until one satisfies `predicate`; returns it.
  async nextMessageWhere(predicate, options) {
    for (;;) {
      const message = await this.nextMessage(options);
      if (predicate(message)) return message;
    }
  }

  describeFrames() {
    return this.frames.map((frame) => (frame.opcode === OP.close ? `close(${frame.code})` : `op${frame.opcode}[${frame.payload.length}]`)).join(' ') || 'none';
  }

  // Half-closes our side (TCP FIN).
  end() {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }
}
