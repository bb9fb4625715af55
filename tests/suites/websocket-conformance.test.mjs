// Suite 1 of issue 5: protocol conformance of pleno-server's WebSocket
// endpoints (RFC 6455), since the usual conformance suite (Autobahn) cannot run
// here. Every case talks to a real pleno-server through a raw client
// (./lib/raw-websocket.mjs: frames with any FIN, RSV, opcode, mask and length
// encoding, written split at any byte), asserts the EXACT close code the server
// sends (1002, 1007, 1009, an echoed code ...) or the exact answer, that the
// server then ends the TCP connection, that every frame the server sent is
// itself well-formed, and then that the server serves a good client right
// after (connect, hello viewer → welcome, ping → ack, close → 1000).
//
// Groups: handshake, framing (lengths and their encodings, the 16 KiB message
// limit), reserved bits, opcodes, control frames, fragmentation, close
// handling, masking, UTF-8 (valid and invalid vectors, whole and split across
// fragments inside the multi-byte sequence).
//
// What the server does where RFC 6455 leaves a choice, or where Beast
// differs from the letter of the RFC, is asserted as it is and marked
// "(Beast)" in the case name; docs/testing.md lists these.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to test (CTest sets it)
//   PLENO_SUITE_LONG=1   the long form: every case also on /ws/staff (the CI
//                        form runs a sample there), every ping payload length
//                        0..125, every opcode with every RSV combination,
//                        every invalid UTF-8 vector split at every byte of the
//                        message, valid text split at every byte.
//
// Run: PLENO_SERVER_BINARY=build/server/pleno-server node --test tests/suites/websocket-conformance.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../web/harness.mjs';
import {
  RawWebSocket, OP, encodeFrame, closePayload, rawHttpRequest, upgradeRequest, acceptFor, splitAt,
} from './lib/raw-websocket.mjs';

const LONG = process.env.PLENO_SUITE_LONG === '1';
const MESSAGE_MAX = 16384; // limits.websocket_message_max (docs/protocol.md §9)

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------
// Case machinery

const cases = [];
// Registers a case. `body(ctx)` gets {path, open(options), greeted(options)};
// every socket it opens is destroyed afterwards. `staff: true` also runs the
// case on /ws/staff in the CI form (the long form runs every case there).
function conformance(group, name, body, { staff = false } = {}) {
  cases.push({ group, name, body, staff });
}

const TEXT_DATA = (frame) => frame.opcode < 0x8;

function makeContext(path, sockets) {
  const open = async (options = {}) => {
    const ws = await RawWebSocket.connect({ port: server.port, path, ...options });
    sockets.push(ws);
    return ws;
  };
  const greeted = async (options = {}) => {
    const ws = await open(options);
    await greet(ws);
    return ws;
  };
  return { path, open, greeted };
}

// hello as a viewer: a welcome echoing req, then the snapshot.
async function greet(ws, req = 'hello') {
  await ws.sendJson({ type: 'hello', role: 'viewer', req });
  const welcome = await ws.nextMessage();
  assert.equal(welcome.type, 'welcome', `expected the welcome, got ${JSON.stringify(welcome)}`);
  assert.equal(welcome.req, req);
  assert.equal(welcome.role, 'viewer');
  const snapshot = await ws.nextMessage();
  assert.equal(snapshot.type, 'snapshot', `expected the snapshot, got ${JSON.stringify(snapshot).slice(0, 200)}`);
}

// The next data message must be exactly the ack of a ping with this req.
async function expectAck(ws, req) {
  const message = await ws.nextMessage();
  assert.equal(message.type, 'ack', `expected the ack of ${JSON.stringify(req)}, got ${JSON.stringify(message)}`);
  assert.deepEqual(Object.keys(message).sort(), ['req', 'server_time', 'type']);
  assert.equal(message.req, req);
  assert.equal(typeof message.server_time, 'number');
}

// The next data message must be exactly this error.
async function expectError(ws, req, code, text) {
  const message = await ws.nextMessage();
  const expected = { type: 'error', req, code };
  if (text !== undefined) expected.message = text;
  const seen = { type: message.type, req: message.req, code: message.code };
  if (text !== undefined) seen.message = message.message;
  assert.deepEqual(seen, expected, `got ${JSON.stringify(message)}`);
}

// The server must send a close frame with exactly `code` (and an empty
// reason), with no data frame before it unless `dataBefore` says how many,
// then end the TCP connection (after our close reply unless `reply: false`).
async function expectServerClose(ws, code, { dataBefore = 0, reply = true, reason = '' } = {}) {
  const close = await ws.expectClose();
  assert.equal(close.code, code, `expected close ${code}, got ${close.code} (frames: ${ws.describeFrames()})`);
  assert.equal(close.reason, reason);
  assert.equal(close.frames.filter(TEXT_DATA).length, dataBefore, `data frames before the close: ${ws.describeFrames()}`);
  if (reply) await ws.sendClose(code === 1005 ? undefined : 1000);
  await ws.waitTcpEnd();
  assert.deepEqual(ws.violations, [], 'the server\'s own frames must be well-formed');
}

// The client closes with `code`; the server must answer with `echo`, send
// nothing else, and end the TCP connection.
async function expectCloseEcho(ws, echo) {
  const close = await ws.expectClose();
  assert.equal(close.code, echo, `expected the server to answer close ${echo}, got ${close.code}`);
  assert.equal(close.reason, '');
  assert.equal(close.frames.filter(TEXT_DATA).length, 0, `data frames before the close: ${ws.describeFrames()}`);
  await ws.waitTcpEnd();
  assert.deepEqual(ws.violations, []);
}

// Sends `frames` then a ping; resolves with the server's pong (the server read
// everything before it and is still open) or its close frame. Lets a case
// make sure the server processed one fragment before the next is sent.
async function sendAndSync(ws, frames, tag) {
  await ws.write(Buffer.concat([...frames.map((frame) => encodeFrame(frame)), encodeFrame({ opcode: OP.ping, payload: tag })]));
  for (;;) {
    const frame = await ws.nextFrame({ skipPings: true });
    if (frame.opcode === OP.close) return frame;
    if (frame.opcode === OP.pong) {
      assert.equal(frame.payload.toString(), tag);
      return frame;
    }
    assert.fail(`unexpected frame while syncing: opcode ${frame.opcode} ${frame.payload.toString().slice(0, 120)}`);
  }
}

// A fresh client after every case: connect, hello viewer → welcome (and
// snapshot), ping → ack, close 1000 → 1000, TCP end.
async function assertGoodClient(path) {
  const ws = await RawWebSocket.connect({ port: server.port, path });
  try {
    await greet(ws, 'good-client');
    await ws.sendJson({ type: 'ping', req: 'good-client-ping' });
    await expectAck(ws, 'good-client-ping');
    await ws.sendClose(1000);
    await expectCloseEcho(ws, 1000);
  } finally {
    ws.destroy();
  }
}

const ping = (req) => JSON.stringify({ type: 'ping', req });
const pingBytes = (req) => Buffer.from(ping(req));
// A ping padded with JSON whitespace to exactly `size` bytes.
const paddedPing = (req, size) => {
  const text = ping(req);
  assert.ok(size >= text.length);
  return Buffer.from(text + ' '.repeat(size - text.length));
};
const hex = (text) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------
// Handshake (RFC 6455 §4.2)

conformance('handshake', 'the RFC 6455 sample key gets Sec-WebSocket-Accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', async ({ open }) => {
  const ws = await open({ key: 'dGhlIHNhbXBsZSBub25jZQ==' });
  assert.equal(ws.response.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(ws.response.headers.upgrade.toLowerCase(), 'websocket');
  assert.ok(ws.response.headers.connection.toLowerCase().split(/\s*,\s*/).includes('upgrade'));
  await greet(ws);
}, { staff: true });

conformance('handshake', 'permessage-deflate offered: the answer has no Sec-WebSocket-Extensions, and RSV1 is then refused with 1002', async ({ open }) => {
  const ws = await open({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } });
  assert.equal(ws.response.headers['sec-websocket-extensions'], undefined);
  await greet(ws);
  await ws.sendText(pingBytes(1), { rsv1: true });
  await expectServerClose(ws, 1002);
});

conformance('handshake', 'a subprotocol asked for is not selected (no Sec-WebSocket-Protocol in the answer)', async ({ open }) => {
  const ws = await open({ headers: { 'Sec-WebSocket-Protocol': 'chat, superchat' } });
  assert.equal(ws.response.headers['sec-websocket-protocol'], undefined);
  await greet(ws);
});

conformance('handshake', 'Connection: keep-alive, Upgrade (as Firefox sends it) is accepted', async ({ open }) => {
  const ws = await open({ headers: { Connection: 'keep-alive, Upgrade' } });
  await greet(ws);
});

conformance('handshake', 'header values are case-insensitive (Upgrade: WebSocket, Connection: upgrade)', async ({ open }) => {
  const ws = await open({ headers: { Upgrade: 'WebSocket', Connection: 'upgrade' } });
  await greet(ws);
});

async function handshakeRefused(path, options, status, check = () => {}) {
  const response = await rawHttpRequest({ port: server.port, request: upgradeRequest({ port: server.port, path, ...options }) });
  try {
    assert.equal(response.status, status, response.statusLine);
    assert.equal(response.headers['sec-websocket-accept'], undefined);
    check(response);
  } finally {
    response.socket.destroy();
  }
}

conformance('handshake', 'Sec-WebSocket-Version 8 → 426 with Sec-WebSocket-Version: 13', async ({ path }) => {
  await handshakeRefused(path, { headers: { 'Sec-WebSocket-Version': '8' } }, 426, (response) => {
    assert.equal(response.headers['sec-websocket-version'], '13');
  });
});

conformance('handshake', 'no Sec-WebSocket-Version → 400', async ({ path }) => {
  await handshakeRefused(path, { headers: { 'Sec-WebSocket-Version': null } }, 400);
});

conformance('handshake', 'no Sec-WebSocket-Key → 400', async ({ path }) => {
  await handshakeRefused(path, { headers: { 'Sec-WebSocket-Key': null } }, 400);
});

conformance('handshake', 'a Sec-WebSocket-Key longer than 24 characters → 400', async ({ path }) => {
  await handshakeRefused(path, { key: 'A'.repeat(36) }, 400);
});

conformance('handshake', 'no Connection: Upgrade → 426 websocket_upgrade_required', async ({ path }) => {
  await handshakeRefused(path, { headers: { Connection: null } }, 426, (response) => {
    assert.equal(response.headers.upgrade, 'websocket');
  });
});

conformance('handshake', 'POST with the upgrade headers → 426 (the opening handshake is a GET)', async ({ path }) => {
  await handshakeRefused(path, { method: 'POST' }, 426);
});

conformance('handshake', 'HTTP/1.0 with the upgrade headers → 426 (the opening handshake needs HTTP/1.1)', async ({ path }) => {
  await handshakeRefused(path, { httpVersion: '1.0' }, 426);
});

// ---------------------------------------------------------------------------
// Framing: payload lengths, their encodings, the 16 KiB message limit (§5.2)

conformance('framing', 'an empty text frame (length 0) is a message: answered bad_json', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText('');
  await expectError(ws, null, 'bad_json', 'the message must be one JSON object');
});

for (const size of [1, 125]) {
  conformance('framing', `a text message of ${size} bytes${size === 125 ? ' (the largest 7-bit length)' : ''}`, async ({ greeted }) => {
    const ws = await greeted();
    if (size === 1) {
      await ws.sendText('7');
      await expectError(ws, null, 'bad_json', 'the message must be one JSON object');
    } else {
      await ws.sendText(paddedPing(`len-${size}`, size));
      await expectAck(ws, `len-${size}`);
    }
  });
}

for (const size of [126, 127, 4096, MESSAGE_MAX - 1, MESSAGE_MAX]) {
  conformance('framing', `a text message of ${size} bytes (16-bit length)${size === MESSAGE_MAX ? ' — exactly the 16 KiB limit' : ''}`, async ({ greeted }) => {
    const ws = await greeted();
    const frame = encodeFrame({ opcode: OP.text, payload: paddedPing(`len-${size}`, size) });
    assert.equal(frame[1] & 0x7f, 126, 'a 16-bit length');
    await ws.write(frame);
    await expectAck(ws, `len-${size}`);
  }, { staff: size === MESSAGE_MAX });
}

conformance('framing', 'a text message of 16385 bytes (one over the limit) → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText(paddedPing('too-big', MESSAGE_MAX + 1));
  await expectServerClose(ws, 1009);
}, { staff: true });

conformance('framing', 'a text message of 65535 bytes (the largest 16-bit length) → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText(paddedPing('len-65535', 65535));
  await expectServerClose(ws, 1009);
});

conformance('framing', 'a text message of 65536 bytes (the smallest 64-bit length) → 1009', async ({ greeted }) => {
  const ws = await greeted();
  const frame = encodeFrame({ opcode: OP.text, payload: paddedPing('len-65536', 65536) });
  assert.equal(frame[1] & 0x7f, 127, 'a 64-bit length');
  await ws.write(frame);
  await expectServerClose(ws, 1009);
});

conformance('framing', 'a declared length of 1 GiB is refused from the header alone → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.text, declaredLength: 1n << 30n, omitPayload: true });
  await expectServerClose(ws, 1009);
});

conformance('framing', 'a 64-bit length with the most significant bit set → 1009 (Beast: fails on size; RFC: MSB must be 0)', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.text, declaredLength: (1n << 63n) + 5n, omitPayload: true });
  await expectServerClose(ws, 1009);
});

conformance('framing', 'a 64-bit length of 2^64 - 1 → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.text, declaredLength: (1n << 64n) - 1n, omitPayload: true });
  await expectServerClose(ws, 1009);
});

const nonMinimal = [
  ['16-bit', 0, 'an empty text'],
  ['16-bit', 30, 'a 30-byte ping'],
  ['16-bit', 125, 'a 125-byte ping'],
  ['64-bit', 0, 'an empty text'],
  ['64-bit', 30, 'a 30-byte ping'],
  ['64-bit', 126, 'a 126-byte ping'],
  ['64-bit', 65535, 'a 65535-byte ping'],
];
for (const [encoding, size, what] of nonMinimal) {
  conformance('framing', `non-minimal length: ${what} with a ${encoding} length field → 1002`, async ({ greeted }) => {
    const ws = await greeted();
    const payload = size === 0 ? Buffer.alloc(0) : paddedPing('n', size);
    await ws.sendFrame({ opcode: OP.text, payload, lengthEncoding: encoding === '16-bit' ? '16' : '64' });
    await expectServerClose(ws, 1002);
  }, { staff: encoding === '64-bit' && size === 126 });
}

conformance('framing', 'a frame written one byte per TCP segment is read whole', async ({ greeted }) => {
  const ws = await greeted();
  const frame = encodeFrame({ opcode: OP.text, payload: pingBytes('bytewise') });
  await ws.writeSplit(frame, Array.from({ length: frame.length - 1 }, (_, i) => i + 1));
  await expectAck(ws, 'bytewise');
});

conformance('framing', 'a 16-bit length field split across TCP segments (after 2 and 3 bytes)', async ({ greeted }) => {
  const ws = await greeted();
  const frame = encodeFrame({ opcode: OP.text, payload: paddedPing('split-16', 300) });
  await ws.writeSplit(frame, [2, 3]);
  await expectAck(ws, 'split-16');
});

conformance('framing', 'the mask key split across TCP segments (after 3 and 5 bytes)', async ({ greeted }) => {
  const ws = await greeted();
  const frame = encodeFrame({ opcode: OP.text, payload: pingBytes('split-key') });
  await ws.writeSplit(frame, [3, 5]);
  await expectAck(ws, 'split-key');
});

conformance('framing', 'three messages in one TCP segment are answered in order', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([1, 2, 3].map((n) => ({ opcode: OP.text, payload: pingBytes(`burst-${n}`) })));
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push((await ws.nextMessage()).req);
  assert.deepEqual(seen, ['burst-1', 'burst-2', 'burst-3']);
});

conformance('framing', 'a message and the first half of the next in one segment, the rest later', async ({ greeted }) => {
  const ws = await greeted();
  const both = Buffer.concat([encodeFrame({ opcode: OP.text, payload: pingBytes('first') }), encodeFrame({ opcode: OP.text, payload: pingBytes('second') })]);
  const cut = encodeFrame({ opcode: OP.text, payload: pingBytes('first') }).length + 9;
  await ws.write(both.subarray(0, cut));
  await expectAck(ws, 'first');
  await ws.write(both.subarray(cut));
  await expectAck(ws, 'second');
});

// ---------------------------------------------------------------------------
// Reserved bits (§5.2): no extension is negotiated, so any RSV bit → 1002

const rsvCases = [
  ['RSV1 on a text frame', [{ opcode: OP.text, payload: pingBytes(1), rsv1: true }]],
  ['RSV2 on a text frame', [{ opcode: OP.text, payload: pingBytes(1), rsv2: true }]],
  ['RSV3 on a text frame', [{ opcode: OP.text, payload: pingBytes(1), rsv3: true }]],
  ['RSV1+RSV2+RSV3 on a text frame', [{ opcode: OP.text, payload: pingBytes(1), rsv1: true, rsv2: true, rsv3: true }]],
  ['RSV1 on an empty text frame', [{ opcode: OP.text, payload: '', rsv1: true }]],
  ['RSV1 on a binary frame', [{ opcode: OP.binary, payload: 'ab', rsv1: true }]],
  ['RSV2 on a continuation frame', [{ opcode: OP.text, payload: '{"type":', fin: false }, { opcode: OP.continuation, payload: '"ping"}', rsv2: true }]],
  ['RSV1 on a continuation frame', [{ opcode: OP.text, payload: '{"type":', fin: false }, { opcode: OP.continuation, payload: '"ping"}', rsv1: true }]],
  ['RSV1 on a ping', [{ opcode: OP.ping, payload: 'p', rsv1: true }]],
  ['RSV3 on a ping', [{ opcode: OP.ping, payload: 'p', rsv3: true }]],
  ['RSV2 on a pong', [{ opcode: OP.pong, payload: 'p', rsv2: true }]],
  ['RSV1 on a close frame', [{ opcode: OP.close, payload: closePayload(1000), rsv1: true }]],
];
for (const [name, frames] of rsvCases) {
  conformance('reserved bits', `${name} → 1002`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendFrames(frames);
    await expectServerClose(ws, 1002);
  }, { staff: name === 'RSV1 on a text frame' });
}

conformance('reserved bits', 'RSV1 on a text frame before hello → 1002 (no hello_required answer)', async ({ open }) => {
  const ws = await open();
  await ws.sendText(pingBytes(1), { rsv1: true });
  await expectServerClose(ws, 1002);
});

// ---------------------------------------------------------------------------
// Opcodes (§5.2): reserved data 0x3–0x7 and control 0xB–0xF → 1002; binary is
// a message the service refuses with binary_not_supported.

for (const opcode of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
  const kind = opcode < 0x8 ? 'data' : 'control';
  conformance('opcodes', `reserved ${kind} opcode 0x${opcode.toString(16).toUpperCase()} → 1002`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendFrame({ opcode, payload: opcode < 0x8 ? pingBytes('reserved') : 'x' });
    await expectServerClose(ws, 1002);
  }, { staff: opcode === 0x3 || opcode === 0xb });
}

conformance('opcodes', 'reserved opcode 0x3 with FIN clear (a would-be fragmented message) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: 0x3, payload: 'abc', fin: false });
  await expectServerClose(ws, 1002);
});

conformance('opcodes', 'reserved opcode 0x5 between the fragments of a text message → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: '{"type":', fin: false },
    { opcode: 0x5, payload: 'x' },
    { opcode: OP.continuation, payload: '"ping"}' },
  ]);
  await expectServerClose(ws, 1002);
});

conformance('opcodes', 'reserved opcode 0xF before hello → 1002', async ({ open }) => {
  const ws = await open();
  await ws.sendFrame({ opcode: 0xf, payload: '' });
  await expectServerClose(ws, 1002);
});

const BINARY_NOT_SUPPORTED = 'Only text messages are understood.';

conformance('opcodes', 'a binary message → error binary_not_supported, and the connection goes on', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.binary, payload: pingBytes('binary') });
  await expectError(ws, null, 'binary_not_supported', BINARY_NOT_SUPPORTED);
  await ws.sendText(pingBytes('after-binary'));
  await expectAck(ws, 'after-binary');
}, { staff: true });

conformance('opcodes', 'an empty binary message → binary_not_supported', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.binary, payload: '' });
  await expectError(ws, null, 'binary_not_supported', BINARY_NOT_SUPPORTED);
});

conformance('opcodes', 'a binary message that is not UTF-8 (FF FE 00 C0) → binary_not_supported, not 1007', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.binary, payload: hex('FF FE 00 C0') });
  await expectError(ws, null, 'binary_not_supported', BINARY_NOT_SUPPORTED);
  await ws.sendText(pingBytes('after'));
  await expectAck(ws, 'after');
});

conformance('opcodes', 'a binary message in 3 fragments → one binary_not_supported', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.binary, payload: 'ab', fin: false },
    { opcode: OP.continuation, payload: 'cd', fin: false },
    { opcode: OP.continuation, payload: 'ef' },
    { opcode: OP.text, payload: pingBytes('after-fragments') },
  ]);
  await expectError(ws, null, 'binary_not_supported', BINARY_NOT_SUPPORTED);
  await expectAck(ws, 'after-fragments');
});

conformance('opcodes', 'a binary message before hello → binary_not_supported (not hello_required), then hello works', async ({ open }) => {
  const ws = await open();
  await ws.sendFrame({ opcode: OP.binary, payload: 'x' });
  await expectError(ws, null, 'binary_not_supported', BINARY_NOT_SUPPORTED);
  await greet(ws);
});

conformance('opcodes', 'a binary message of 16385 bytes → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.binary, payload: Buffer.alloc(MESSAGE_MAX + 1, 0x61) });
  await expectServerClose(ws, 1009);
});

// ---------------------------------------------------------------------------
// Control frames (§5.5)

async function expectPong(ws, payload) {
  const frame = await ws.nextFrame({ skipPings: true });
  assert.equal(frame.opcode, OP.pong, `expected a pong, got opcode ${frame.opcode}`);
  assert.ok(frame.fin);
  assert.deepEqual(frame.payload, Buffer.from(payload));
}

const pingPayloads = [
  ['an empty ping', Buffer.alloc(0)],
  ['a 1-byte ping', Buffer.from('a')],
  ['a 124-byte ping', Buffer.alloc(124, 0x62)],
  ['a 125-byte ping (the largest control payload) with bytes 0x00..0x7C', Buffer.from(Array.from({ length: 125 }, (_, i) => i))],
  ['a ping whose payload is not UTF-8 (C0 AF FF ED A0 80)', hex('C0 AF FF ED A0 80')],
  ['a ping of UTF-8 text "¿quién?"', Buffer.from('¿quién?')],
];
if (LONG) {
  for (let length = 2; length <= 123; length++) pingPayloads.push([`a ${length}-byte ping`, Buffer.alloc(length, 0x30 + (length % 10))]);
}
for (const [name, payload] of pingPayloads) {
  conformance('control', `${name} → a pong with the same payload`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendPing(payload);
    await expectPong(ws, payload);
    await ws.sendText(pingBytes('after-ping'));
    await expectAck(ws, 'after-ping');
  }, { staff: payload.length === 125 });
}

conformance('control', 'a ping before hello → pong; then hello works', async ({ open }) => {
  const ws = await open();
  await ws.sendPing('early');
  await expectPong(ws, 'early');
  await greet(ws);
});

conformance('control', 'three pings in one segment → three pongs in order', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(['one', 'two', 'three'].map((payload) => ({ opcode: OP.ping, payload })));
  await expectPong(ws, 'one');
  await expectPong(ws, 'two');
  await expectPong(ws, 'three');
});

conformance('control', 'a ping then a text message: the pong comes before the ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.ping, payload: 'first' }, { opcode: OP.text, payload: pingBytes('second') }]);
  await expectPong(ws, 'first');
  await expectAck(ws, 'second');
});

conformance('control', 'a ping with 126 bytes (16-bit length) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendPing(Buffer.alloc(126, 0x70));
  await expectServerClose(ws, 1002);
}, { staff: true });

conformance('control', 'a ping with 5 bytes in a 16-bit length field → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendPing('hello', { lengthEncoding: '16' });
  await expectServerClose(ws, 1002);
});

conformance('control', 'a pong with 126 bytes → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.pong, payload: Buffer.alloc(126, 0x70) });
  await expectServerClose(ws, 1002);
});

conformance('control', 'a fragmented ping (FIN clear) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.ping, payload: 'frag', fin: false }, { opcode: OP.continuation, payload: 'ment' }]);
  await expectServerClose(ws, 1002);
});

conformance('control', 'a fragmented pong (FIN clear) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.pong, payload: 'frag', fin: false });
  await expectServerClose(ws, 1002);
});

conformance('control', 'a fragmented close (FIN clear) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.close, payload: closePayload(1000), fin: false });
  await expectServerClose(ws, 1002);
});

conformance('control', 'an unsolicited empty pong is ignored', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.pong, payload: '' }, { opcode: OP.text, payload: pingBytes('after-pong') }]);
  await expectAck(ws, 'after-pong');
  assert.equal(ws.frames.filter((frame) => frame.opcode === OP.pong).length, 0);
});

conformance('control', 'an unsolicited 125-byte pong is ignored', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.pong, payload: Buffer.alloc(125, 0x71) }, { opcode: OP.text, payload: pingBytes('after-pong') }]);
  await expectAck(ws, 'after-pong');
});

conformance('control', 'ten unsolicited pongs before hello are ignored; hello works', async ({ open }) => {
  const ws = await open();
  await ws.sendFrames(Array.from({ length: 10 }, (_, i) => ({ opcode: OP.pong, payload: `p${i}` })));
  await greet(ws);
});

// ---------------------------------------------------------------------------
// Fragmentation (§5.4)

function fragmentsOf(bytes, cuts, { opcode = OP.text, masks } = {}) {
  const pieces = splitAt(bytes, cuts);
  return pieces.map((payload, index) => ({
    opcode: index === 0 ? opcode : OP.continuation,
    fin: index === pieces.length - 1,
    payload,
    ...(masks ? { maskKey: masks[index % masks.length] } : {}),
  }));
}

for (const [name, cuts] of [
  ['2 fragments', [10]],
  ['3 fragments', [5, 17]],
  ['10 fragments', [2, 5, 7, 10, 13, 15, 18, 20, 24]],
]) {
  conformance('fragmentation', `a text message in ${name} → one ack`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendFrames(fragmentsOf(pingBytes('fragmented'), cuts));
    await expectAck(ws, 'fragmented');
  }, { staff: name === '3 fragments' });
}

conformance('fragmentation', 'a text message in one fragment per byte → one ack', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = pingBytes('per-byte');
  await ws.sendFrames(fragmentsOf(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)));
  await expectAck(ws, 'per-byte');
});

conformance('fragmentation', 'fragments sent one at a time, each processed before the next (ping/pong in between)', async ({ greeted }) => {
  const ws = await greeted();
  const frames = fragmentsOf(pingBytes('one-at-a-time'), [4, 12, 20]);
  for (const [index, frame] of frames.entries()) {
    if (index < frames.length - 1) assert.equal((await sendAndSync(ws, [frame], `sync-${index}`)).opcode, OP.pong);
    else await ws.sendFrame(frame);
  }
  await expectAck(ws, 'one-at-a-time');
});

conformance('fragmentation', 'an empty first fragment', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.text, payload: '', fin: false }, { opcode: OP.continuation, payload: pingBytes('empty-first') }]);
  await expectAck(ws, 'empty-first');
});

conformance('fragmentation', 'an empty middle fragment', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = pingBytes('empty-middle');
  await ws.sendFrames([
    { opcode: OP.text, payload: bytes.subarray(0, 9), fin: false },
    { opcode: OP.continuation, payload: '', fin: false },
    { opcode: OP.continuation, payload: bytes.subarray(9) },
  ]);
  await expectAck(ws, 'empty-middle');
});

conformance('fragmentation', 'an empty final fragment', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.text, payload: pingBytes('empty-last'), fin: false }, { opcode: OP.continuation, payload: '' }]);
  await expectAck(ws, 'empty-last');
});

conformance('fragmentation', 'only empty fragments: an empty message → bad_json', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: '', fin: false },
    { opcode: OP.continuation, payload: '', fin: false },
    { opcode: OP.continuation, payload: '' },
  ]);
  await expectError(ws, null, 'bad_json', 'the message must be one JSON object');
});

conformance('fragmentation', 'a continuation frame with no message started (FIN set) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.continuation, payload: pingBytes('orphan') });
  await expectServerClose(ws, 1002);
}, { staff: true });

conformance('fragmentation', 'a continuation frame with no message started (FIN clear) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.continuation, payload: '{"type":', fin: false }, { opcode: OP.continuation, payload: '"ping"}' }]);
  await expectServerClose(ws, 1002);
});

// A message and a bad frame read together: the ack is queued while Beast
// already fails the connection, so the ack may or may not go out before the
// close (both conform; after the close frame nothing may follow).
async function expectAckAtMostBeforeClose(ws, req, code) {
  const close = await ws.expectClose();
  assert.equal(close.code, code, `expected close ${code}, got ${close.code}`);
  assert.equal(close.reason, '');
  const data = close.frames.filter(TEXT_DATA);
  assert.ok(data.length <= 1, ws.describeFrames());
  if (data.length) assert.equal(JSON.parse(data[0].payload.toString()).req, req);
  await ws.waitTcpEnd();
  assert.deepEqual(ws.violations, []);
}

conformance('fragmentation', 'a continuation frame right after a complete message → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.text, payload: pingBytes('complete') }, { opcode: OP.continuation, payload: 'more' }]);
  await expectAckAtMostBeforeClose(ws, 'complete', 1002);
});

conformance('fragmentation', 'a continuation frame after an answered message → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText(pingBytes('answered'));
  await expectAck(ws, 'answered');
  await ws.sendFrame({ opcode: OP.continuation, payload: 'more' });
  await expectServerClose(ws, 1002);
});

conformance('fragmentation', 'a continuation frame before hello → 1002', async ({ open }) => {
  const ws = await open();
  await ws.sendFrame({ opcode: OP.continuation, payload: 'x' });
  await expectServerClose(ws, 1002);
});

conformance('fragmentation', 'a new text message started inside a fragmented one → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: '{"type":', fin: false },
    { opcode: OP.text, payload: pingBytes('intruder') },
  ]);
  await expectServerClose(ws, 1002);
}, { staff: true });

conformance('fragmentation', 'a new binary message started inside a fragmented text one → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: '{"type":', fin: false },
    { opcode: OP.binary, payload: 'bin' },
  ]);
  await expectServerClose(ws, 1002);
});

conformance('fragmentation', 'a new text message started inside a fragmented binary one → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.binary, payload: 'bin', fin: false },
    { opcode: OP.text, payload: pingBytes('intruder'), fin: false },
  ]);
  await expectServerClose(ws, 1002);
});

conformance('fragmentation', 'a ping between fragments → the pong, then the message\'s ack', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = pingBytes('with-ping');
  await ws.sendFrames([
    { opcode: OP.text, payload: bytes.subarray(0, 8), fin: false },
    { opcode: OP.ping, payload: 'between' },
    { opcode: OP.continuation, payload: bytes.subarray(8) },
  ]);
  await expectPong(ws, 'between');
  await expectAck(ws, 'with-ping');
}, { staff: true });

conformance('fragmentation', 'a ping between every two of 5 fragments → 4 pongs, one ack', async ({ greeted }) => {
  const ws = await greeted();
  const pieces = fragmentsOf(pingBytes('many-pings'), [3, 9, 14, 20]);
  const frames = [];
  pieces.forEach((piece, index) => {
    frames.push(piece);
    if (index < pieces.length - 1) frames.push({ opcode: OP.ping, payload: `p${index}` });
  });
  await ws.sendFrames(frames);
  for (let i = 0; i < 4; i++) await expectPong(ws, `p${i}`);
  await expectAck(ws, 'many-pings');
});

conformance('fragmentation', 'an unsolicited pong between fragments is ignored', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = pingBytes('with-pong');
  await ws.sendFrames([
    { opcode: OP.text, payload: bytes.subarray(0, 8), fin: false },
    { opcode: OP.pong, payload: 'between' },
    { opcode: OP.continuation, payload: bytes.subarray(8) },
  ]);
  await expectAck(ws, 'with-pong');
  assert.equal(ws.frames.filter((frame) => frame.opcode === OP.pong).length, 0);
});

conformance('fragmentation', 'a close between fragments → the close echoed, the unfinished message never answered', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = pingBytes('cut-by-close');
  await ws.sendFrames([
    { opcode: OP.text, payload: bytes.subarray(0, 8), fin: false },
    { opcode: OP.close, payload: closePayload(1000) },
    { opcode: OP.continuation, payload: bytes.subarray(8) },
  ]);
  await expectCloseEcho(ws, 1000);
});

conformance('fragmentation', 'a fragmented message of exactly 16384 bytes (8192 + 8192) → ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(fragmentsOf(paddedPing('frag-max', MESSAGE_MAX), [8192]));
  await expectAck(ws, 'frag-max');
}, { staff: true });

conformance('fragmentation', 'a fragmented message of 16385 bytes (8192 + 8193) → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(fragmentsOf(paddedPing('frag-over', MESSAGE_MAX + 1), [8192]));
  await expectServerClose(ws, 1009);
}, { staff: true });

conformance('fragmentation', '17 fragments of 1 KiB (17408 bytes in total) → 1009', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = paddedPing('frag-many', 17 * 1024);
  await ws.sendFrames(fragmentsOf(bytes, Array.from({ length: 16 }, (_, i) => (i + 1) * 1024)));
  await expectServerClose(ws, 1009);
});

conformance('fragmentation', 'a fragment declaring 2^63 bytes after a first one → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: '{"type":', fin: false },
    { opcode: OP.continuation, declaredLength: 1n << 63n, omitPayload: true },
  ]);
  await expectServerClose(ws, 1009);
});

conformance('fragmentation', 'a fragmented binary message of 16385 bytes → 1009', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(fragmentsOf(Buffer.alloc(MESSAGE_MAX + 1, 0x61), [10000], { opcode: OP.binary }));
  await expectServerClose(ws, 1009);
});

// ---------------------------------------------------------------------------
// Close handling (§5.5.1, §7.4)

conformance('close', 'a close frame with no payload → the server answers 1000 and ends TCP', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendClose();
  await expectCloseEcho(ws, 1000);
}, { staff: true });

conformance('close', 'a close frame with a 1-byte payload → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: OP.close, payload: Buffer.from([0x03]) });
  await expectServerClose(ws, 1002, { reply: false });
}, { staff: true });

for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
  conformance('close', `close code ${code} → echoed`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendClose(code);
    await expectCloseEcho(ws, code);
  }, { staff: code === 4999 });
}

for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999]) {
  conformance('close', `invalid close code ${code} → 1002`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendClose(code);
    await expectServerClose(ws, 1002, { reply: false });
  }, { staff: code === 1005 });
}

for (const code of [5000, 65535]) {
  conformance('close', `close code ${code} (undefined by RFC 6455) → echoed (Beast)`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendClose(code);
    await expectCloseEcho(ws, code);
  });
}

conformance('close', 'a close reason of 123 bytes (a 125-byte payload) → the code echoed', async ({ greeted }) => {
  const ws = await greeted();
  const reason = 'é'.repeat(61) + 'x';
  assert.equal(Buffer.byteLength(reason), 123);
  await ws.sendClose(1000, reason);
  await expectCloseEcho(ws, 1000);
});

conformance('close', 'a close reason of 124 bytes (a 126-byte payload) → 1002', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendClose(1000, 'r'.repeat(124));
  await expectServerClose(ws, 1002, { reply: false });
});

conformance('close', 'a close reason in UTF-8 ("adiós, 👋") → the code echoed', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendClose(4001, 'adiós, 👋');
  await expectCloseEcho(ws, 4001);
});

for (const [name, bytes] of [
  ['an overlong "/" (C0 AF)', hex('C0 AF')],
  ['a surrogate (ED A0 80)', hex('ED A0 80')],
  ['a truncated sequence (E2 82)', hex('E2 82')],
  ['a byte FF', hex('FF')],
]) {
  conformance('close', `a close reason that is not UTF-8: ${name} → 1002 (Beast; 1007 would also be allowed)`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendClose(1000, Buffer.concat([Buffer.from('bye '), bytes]));
    await expectServerClose(ws, 1002, { reply: false });
  });
}

conformance('close', 'a text message after the close frame (same segment) is ignored', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.close, payload: closePayload(1000) }, { opcode: OP.text, payload: pingBytes('after-close') }]);
  await expectCloseEcho(ws, 1000);
}, { staff: true });

conformance('close', 'a ping after the close frame is not answered', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.close, payload: closePayload(1001) }, { opcode: OP.ping, payload: 'late' }]);
  await expectCloseEcho(ws, 1001);
  assert.equal(ws.frames.filter((frame) => frame.opcode === OP.pong).length, 0);
});

conformance('close', 'a second close frame and garbage after the first are ignored', async ({ greeted }) => {
  const ws = await greeted();
  await ws.write(Buffer.concat([
    encodeFrame({ opcode: OP.close, payload: closePayload(3000) }),
    encodeFrame({ opcode: OP.close, payload: closePayload(1000) }),
    Buffer.from('not a frame at all'),
  ]));
  await expectCloseEcho(ws, 3000);
});

conformance('close', 'a close frame before hello → echoed', async ({ open }) => {
  const ws = await open();
  await ws.sendClose(1000, 'never mind');
  await expectCloseEcho(ws, 1000);
});

conformance('close', 'a text message then a close frame in one segment → the close echoed (the ack may precede it)', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([{ opcode: OP.text, payload: pingBytes('last-words') }, { opcode: OP.close, payload: closePayload(1000) }]);
  await expectAckAtMostBeforeClose(ws, 'last-words', 1000);
});

conformance('close', 'after a protocol error the server ends TCP even if the client never answers the close', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrame({ opcode: 0x4, payload: '' });
  await expectServerClose(ws, 1002, { reply: false });
  assert.equal(ws.frames.filter((frame) => frame.opcode === OP.close).length, 1);
});

// ---------------------------------------------------------------------------
// Masking (§5.1, §5.3)

for (const [name, frames] of [
  ['an unmasked text frame', [{ opcode: OP.text, payload: pingBytes('unmasked'), mask: false }]],
  ['an unmasked empty text frame', [{ opcode: OP.text, payload: '', mask: false }]],
  ['an unmasked ping', [{ opcode: OP.ping, payload: 'p', mask: false }]],
  ['an unmasked close frame', [{ opcode: OP.close, payload: closePayload(1000), mask: false }]],
  ['an unmasked continuation frame', [{ opcode: OP.text, payload: '{"type":', fin: false }, { opcode: OP.continuation, payload: '"ping"}', mask: false }]],
]) {
  conformance('masking', `${name} → 1002`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendFrames(frames);
    await expectServerClose(ws, 1002);
  }, { staff: name === 'an unmasked text frame' });
}

conformance('masking', 'an unmasked text frame before hello → 1002', async ({ open }) => {
  const ws = await open();
  await ws.sendText(pingBytes('unmasked'), { mask: false });
  await expectServerClose(ws, 1002);
});

conformance('masking', 'a mask key of zeros (the payload travels as it is) → ack', async ({ greeted }) => {
  const ws = await greeted();
  const frame = encodeFrame({ opcode: OP.text, payload: pingBytes('zero-key'), maskKey: [0, 0, 0, 0] });
  assert.ok(frame.includes(pingBytes('zero-key')));
  await ws.write(frame);
  await expectAck(ws, 'zero-key');
});

conformance('masking', 'a mask key of FF FF FF FF → ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText(pingBytes('ones-key'), { maskKey: [0xff, 0xff, 0xff, 0xff] });
  await expectAck(ws, 'ones-key');
});

conformance('masking', 'each fragment masked with its own key → ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(fragmentsOf(pingBytes('own-keys'), [3, 11, 19], { masks: [[1, 2, 3, 4], [0xa0, 0xb1, 0xc2, 0xd3], [0, 0, 0, 0], [0xff, 0, 0xff, 0]] }));
  await expectAck(ws, 'own-keys');
});

conformance('masking', 'a fragment boundary that is not a multiple of 4 (the key restarts per frame) → ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames(fragmentsOf(pingBytes('key-restart'), [1, 6, 13], { masks: [[0x12, 0x34, 0x56, 0x78]] }));
  await expectAck(ws, 'key-restart');
});

conformance('masking', 'a ping masked with a zero key → pong with the clear payload', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendPing('clear', { maskKey: [0, 0, 0, 0] });
  await expectPong(ws, 'clear');
});

// ---------------------------------------------------------------------------
// UTF-8 (§5.6, §8.1): valid text is answered, invalid text is closed with 1007.

// Valid vectors: each travels in a ping's `req` (≤ 64 bytes) and must come
// back in the ack byte for byte.
const validVectors = [
  ['ASCII letters and digits', 'Pleno 2024 Jun'],
  ['ASCII punctuation', "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"],
  ['DEL (U+007F)', 'a\u007fb'],
  ['the smallest 2-byte character U+0080', '\u0080'],
  ['ñ (2 bytes)', 'señor'],
  ['Spanish text with accents', 'Ayuntamiento de Jun: ¿información?'],
  ['the largest 2-byte character U+07FF', '\u07ff'],
  ['the smallest 3-byte character U+0800', '\u0800'],
  ['€ (3 bytes)', '12 €'],
  ['U+D7FF, just below the surrogates', '\ud7ff'],
  ['U+E000, just above the surrogates (private use)', '\ue000'],
  ['U+FFFD replacement character', '\ufffd'],
  ['U+FEFF byte order mark inside a string', '\ufeffBOM'],
  ['noncharacter U+FFFE', '\ufffe'],
  ['noncharacter U+FFFF', '\uffff'],
  ['noncharacter U+FDD0', '\ufdd0'],
  ['noncharacter U+FDEF', '\ufdef'],
  ['the smallest 4-byte character U+10000', '\u{10000}'],
  ['😀 U+1F600 (4 bytes)', '\u{1f600}'],
  ['𝄞 U+1D11E (4 bytes)', '\u{1d11e}'],
  ['noncharacter U+1FFFE', '\u{1fffe}'],
  ['noncharacter U+10FFFE', '\u{10fffe}'],
  ['the largest code point U+10FFFF', '\u{10ffff}'],
  ['Greek κόσμε', 'κόσμε'],
  ['Japanese 会議', '会議'],
  ['Arabic مجلس', 'مجلس'],
  ['Hebrew שלום', 'שלום'],
  ['Devanagari नमस्ते', 'नमस्ते'],
  ['a combining accent (e + U+0301)', 'e\u0301'],
  ['a ZWJ emoji family', '👩\u200d👩\u200d👧\u200d👦'],
  ['a flag (two regional indicators)', '🇪🇸'],
  ['U+2028 and U+2029 separators', 'a\u2028b\u2029c'],
  ['1-, 2-, 3- and 4-byte characters in a row', 'aé€😀'],
  ['64 bytes of 4-byte characters (req at its limit)', '\u{10ffff}'.repeat(16)],
];
for (const [name, vector] of validVectors) {
  conformance('utf8 valid', `${name} → echoed in the ack byte for byte`, async ({ greeted }) => {
    const ws = await greeted();
    const bytes = Buffer.from(vector, 'utf8');
    assert.ok(bytes.length <= 64);
    await ws.sendText(Buffer.concat([Buffer.from('{"type":"ping","req":"'), bytes, Buffer.from('"}')]));
    const answer = await ws.nextDataMessage();
    assert.equal(answer.opcode, OP.text);
    const message = JSON.parse(answer.text);
    assert.equal(message.type, 'ack', answer.text);
    assert.equal(message.req, vector);
    assert.ok(answer.payload.includes(Buffer.concat([Buffer.from('"req":"'), bytes, Buffer.from('"')])),
      `the ack carries the bytes as sent: ${answer.payload.toString('hex')}`);
  }, { staff: name.startsWith('the largest code point') });
}

conformance('utf8 valid', 'a byte order mark before the JSON object → ack', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendText(Buffer.concat([hex('EF BB BF'), pingBytes('bom-first')]));
  await expectAck(ws, 'bom-first');
});

conformance('utf8 valid', 'a 16384-byte message of 2-, 3- and 4-byte characters (in an unknown field) → bad_request, not a close', async ({ greeted }) => {
  const ws = await greeted();
  const head = '{"type":"ping","req":"big-utf8","x":"';
  let filler = '';
  while (Buffer.byteLength(head + filler + 'é€😀' + '"}') <= MESSAGE_MAX) filler += 'é€😀';
  let text = head + filler;
  while (Buffer.byteLength(text + '"}') < MESSAGE_MAX) text += 'a';
  text += '"}';
  assert.equal(Buffer.byteLength(text), MESSAGE_MAX);
  await ws.sendText(text);
  const message = await ws.nextMessage();
  assert.deepEqual({ type: message.type, code: message.code, req: message.req }, { type: 'error', code: 'bad_request', req: 'big-utf8' });
});

// Invalid vectors: [name, bytes, where]. `where`: 'req' puts the bytes inside
// the req string of a ping, 'end' after the complete JSON (a truncated
// sequence at the very end of the message), 'start' before it.
const invalidVectors = [
  ['a lone continuation byte 80', 'req', '80'],
  ['a lone continuation byte BF', 'req', 'BF'],
  ['four continuation bytes 80 BF 80 BF', 'req', '80 BF 80 BF'],
  ['all 64 continuation bytes 80..BF', 'req', Array.from({ length: 64 }, (_, i) => (0x80 + i).toString(16)).join('')],
  ['a 2-byte start C2 followed by a space', 'req', 'C2 20'],
  ['a 3-byte start with one continuation (E2 82) then a space', 'req', 'E2 82 20'],
  ['a 4-byte start with two continuations (F0 9F 98) then a space', 'req', 'F0 9F 98 20'],
  ['every 2-byte start C0..DF followed by a space', 'req', Array.from({ length: 32 }, (_, i) => `${(0xc0 + i).toString(16)}20`).join('')],
  ['overlong "/" in 2 bytes (C0 AF)', 'req', 'C0 AF'],
  ['overlong "/" in 3 bytes (E0 80 AF)', 'req', 'E0 80 AF'],
  ['overlong "/" in 4 bytes (F0 80 80 AF)', 'req', 'F0 80 80 AF'],
  ['overlong "/" in 5 bytes (F8 80 80 80 AF)', 'req', 'F8 80 80 80 AF'],
  ['overlong "/" in 6 bytes (FC 80 80 80 80 AF)', 'req', 'FC 80 80 80 80 AF'],
  ['overlong NUL in 2 bytes (C0 80)', 'req', 'C0 80'],
  ['overlong NUL in 3 bytes (E0 80 80)', 'req', 'E0 80 80'],
  ['overlong NUL in 4 bytes (F0 80 80 80)', 'req', 'F0 80 80 80'],
  ['overlong NUL in 5 bytes (F8 80 80 80 80)', 'req', 'F8 80 80 80 80'],
  ['overlong NUL in 6 bytes (FC 80 80 80 80 80)', 'req', 'FC 80 80 80 80 80'],
  ['the largest overlong 2-byte form U+007F (C1 BF)', 'req', 'C1 BF'],
  ['the largest overlong 3-byte form U+07FF (E0 9F BF)', 'req', 'E0 9F BF'],
  ['the largest overlong 4-byte form U+FFFF (F0 8F BF BF)', 'req', 'F0 8F BF BF'],
  ['surrogate U+D800 (ED A0 80)', 'req', 'ED A0 80'],
  ['surrogate U+DB7F (ED AD BF)', 'req', 'ED AD BF'],
  ['surrogate U+DB80 (ED AE 80)', 'req', 'ED AE 80'],
  ['surrogate U+DBFF (ED AF BF)', 'req', 'ED AF BF'],
  ['surrogate U+DC00 (ED B0 80)', 'req', 'ED B0 80'],
  ['surrogate U+DF80 (ED BE 80)', 'req', 'ED BE 80'],
  ['surrogate U+DFFF (ED BF BF)', 'req', 'ED BF BF'],
  ['a surrogate pair U+D800 U+DC00 (CESU-8)', 'req', 'ED A0 80 ED B0 80'],
  ['a surrogate pair U+DBFF U+DFFF (CESU-8)', 'req', 'ED AF BF ED BF BF'],
  ['U+110000, just above the last code point (F4 90 80 80)', 'req', 'F4 90 80 80'],
  ['U+1FFFFF in 4 bytes (F7 BF BF BF)', 'req', 'F7 BF BF BF'],
  ['U+200000 in 5 bytes (F8 88 80 80 80)', 'req', 'F8 88 80 80 80'],
  ['U+3FFFFFF in 5 bytes (FB BF BF BF BF)', 'req', 'FB BF BF BF BF'],
  ['U+4000000 in 6 bytes (FC 84 80 80 80 80)', 'req', 'FC 84 80 80 80 80'],
  ['U+7FFFFFFF in 6 bytes (FD BF BF BF BF BF)', 'req', 'FD BF BF BF BF BF'],
  ['a byte F5', 'req', 'F5'],
  ['a byte F6', 'req', 'F6'],
  ['a byte F7', 'req', 'F7'],
  ['a byte F8', 'req', 'F8'],
  ['a byte F9', 'req', 'F9'],
  ['a byte FA', 'req', 'FA'],
  ['a byte FB', 'req', 'FB'],
  ['a byte FC', 'req', 'FC'],
  ['a byte FD', 'req', 'FD'],
  ['a byte FE', 'req', 'FE'],
  ['a byte FF', 'req', 'FF'],
  ['FE FE FF FF', 'req', 'FE FE FF FF'],
  ['F5 as a 4-byte start (F5 80 80 80)', 'req', 'F5 80 80 80'],
  ['a truncated 2-byte sequence at the end of the message (C2)', 'end', 'C2'],
  ['a truncated 2-byte sequence at the end of the message (DF)', 'end', 'DF'],
  ['a truncated 3-byte sequence at the end of the message (E2 82)', 'end', 'E2 82'],
  ['a truncated 3-byte sequence at the end of the message (E0 A0)', 'end', 'E0 A0'],
  ['a truncated 4-byte sequence at the end of the message (F0 9F 98)', 'end', 'F0 9F 98'],
  ['a truncated 4-byte sequence at the end of the message (F4 8F BF)', 'end', 'F4 8F BF'],
  ['a lone 4-byte start at the end of the message (F0)', 'end', 'F0'],
  ['κόσμε then a surrogate then "edited" (Autobahn 6.3.1)', 'req', 'CEBAE1BDB9CF83CEBCCEB5 EDA080 656469746564'],
  ['incomplete sequences one after another (Kuhn 3.3.x)', 'req', 'C0 E080 F08080 F8808080 FC80808080 DF EFBF F7BFBF FBBFBFBF FDBFBFBFBF'],
  ['a byte FF before the JSON object', 'start', 'FF'],
  ['an overlong "/" inside a key', 'key', 'C0 AF'],
];

function invalidMessage(where, bytes) {
  switch (where) {
    case 'req': return { before: Buffer.from('{"type":"ping","req":"'), after: Buffer.from('"}') };
    case 'end': return { before: Buffer.from('{"type":"ping","req":"end"}'), after: Buffer.alloc(0) };
    case 'start': return { before: Buffer.alloc(0), after: pingBytes('start') };
    case 'key': return { before: Buffer.from('{"type":"ping","'), after: Buffer.from('":1}') };
    default: throw new Error(where);
  }
}

for (const [name, where, hexBytes] of invalidVectors) {
  conformance('utf8 invalid', `${name} → 1007`, async ({ greeted }) => {
    const ws = await greeted();
    const { before, after } = invalidMessage(where, hex(hexBytes));
    await ws.sendText(Buffer.concat([before, hex(hexBytes), after]));
    await expectServerClose(ws, 1007);
  }, { staff: name.startsWith('surrogate U+D800') || name.startsWith('a truncated 3-byte sequence at the end of the message (E2 82)') });
}

conformance('utf8 invalid', 'an invalid byte (FF) as the last byte of a 16384-byte message → 1007', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = Buffer.concat([paddedPing('last-byte', MESSAGE_MAX - 1), hex('FF')]);
  assert.equal(bytes.length, MESSAGE_MAX);
  await ws.sendText(bytes);
  await expectServerClose(ws, 1007);
});

conformance('utf8 invalid', 'invalid text before hello → 1007 (not hello_required)', async ({ open }) => {
  const ws = await open();
  await ws.sendText(Buffer.concat([Buffer.from('{"type":"hello","role":"viewer","req":"'), hex('C0 AF'), Buffer.from('"}')]));
  await expectServerClose(ws, 1007);
});

// Split across fragments: each invalid vector with a multi-byte sequence is
// cut at every byte boundary inside it. The first fragment is sent with a
// ping after it and the server's pong (or close) is awaited before the rest,
// so the server really sees the sequence in two reads.
function internalSplits(hexBytes) {
  const length = hex(hexBytes).length;
  return Array.from({ length: length - 1 }, (_, i) => i + 1);
}
const invalidSplitVectors = invalidVectors.filter(([, where, hexBytes]) => {
  const bytes = hex(hexBytes);
  // A multi-byte sequence: a lead byte followed by at least one more byte of the vector.
  return (where === 'req' || where === 'end' || where === 'key') && bytes.length >= 2 && bytes[0] >= 0xc0 && bytes.length <= 8;
});

for (const [name, where, hexBytes] of invalidSplitVectors) {
  const bytes = hex(hexBytes);
  for (const cut of internalSplits(hexBytes)) {
    conformance('utf8 invalid split', `${name}, fragments split after byte ${cut} of ${bytes.length} → 1007`, async ({ greeted }) => {
      const ws = await greeted();
      const { before, after } = invalidMessage(where, bytes);
      const message = Buffer.concat([before, bytes, after]);
      const at = before.length + cut;
      const first = await sendAndSync(ws, [{ opcode: OP.text, payload: message.subarray(0, at), fin: false }], 'sync');
      if (first.opcode === OP.pong) await ws.sendFrame({ opcode: OP.continuation, payload: message.subarray(at) });
      await expectServerClose(ws, 1007);
    }, { staff: name.startsWith('overlong "/" in 4 bytes') && cut === 2 });
  }
}

// The long form also cuts every invalid vector's message at every byte.
if (LONG) {
  for (const [name, where, hexBytes] of invalidVectors) {
    const bytes = hex(hexBytes);
    const { before, after } = invalidMessage(where, bytes);
    const message = Buffer.concat([before, bytes, after]);
    for (let at = 1; at < message.length; at++) {
      conformance('utf8 invalid split (long)', `${name}, message cut after byte ${at} of ${message.length} → 1007`, async ({ greeted }) => {
        const ws = await greeted();
        const first = await sendAndSync(ws, [{ opcode: OP.text, payload: message.subarray(0, at), fin: false }], 'sync');
        if (first.opcode === OP.pong) await ws.sendFrame({ opcode: OP.continuation, payload: message.subarray(at) });
        await expectServerClose(ws, 1007);
      });
    }
  }
}

// A truncated sequence at the end of a message whose last fragment is empty:
// Beast (Boost 1.81) checks the end of a text message only when its last frame
// carries bytes, so the server checks whole messages itself.
for (const [name, hexBytes] of [
  ['C2', 'C2'],
  ['E2 82', 'E2 82'],
  ['F0 9F 98', 'F0 9F 98'],
]) {
  conformance('utf8 invalid split', `a truncated sequence (${name}) at the end of a fragment followed by an empty final fragment → 1007`, async ({ greeted }) => {
    const ws = await greeted();
    await ws.sendFrames([
      { opcode: OP.text, payload: Buffer.concat([pingBytes('truncated'), hex(hexBytes)]), fin: false },
      { opcode: OP.continuation, payload: '' },
    ]);
    await expectServerClose(ws, 1007);
  }, { staff: name === 'E2 82' });
}

conformance('utf8 invalid split', 'E2 82 ending a message with an empty final fragment, then a message of the lone byte AC → 1007 with no answer to either', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: Buffer.concat([pingBytes('first'), hex('E2 82')]), fin: false },
    { opcode: OP.continuation, payload: '' },
    { opcode: OP.text, payload: hex('AC') },
  ]);
  await expectServerClose(ws, 1007);
});

conformance('utf8 invalid split', 'E2 82 ending a message with an empty final fragment, then a valid ping → 1007 for the first, the ping never answered', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: Buffer.concat([pingBytes('first'), hex('E2 82')]), fin: false },
    { opcode: OP.continuation, payload: '' },
    { opcode: OP.text, payload: pingBytes('second') },
  ]);
  await expectServerClose(ws, 1007);
});

conformance('utf8 invalid split', 'an invalid continuation (E2 then 41) across an empty middle fragment → 1007', async ({ greeted }) => {
  const ws = await greeted();
  await ws.sendFrames([
    { opcode: OP.text, payload: Buffer.concat([Buffer.from('{"type":"ping","req":"'), hex('E2')]), fin: false },
    { opcode: OP.continuation, payload: '', fin: false },
    { opcode: OP.continuation, payload: Buffer.concat([hex('41'), Buffer.from('"}')]) },
  ]);
  await expectServerClose(ws, 1007);
});

// Valid multi-byte characters split inside the character → accepted.
const validSplitCharacters = [
  ['ñ (C3 B1)', 'ñ'],
  ['U+07FF (DF BF)', '\u07ff'],
  ['€ (E2 82 AC)', '€'],
  ['U+FFFD (EF BF BD)', '\ufffd'],
  ['U+D7FF (ED 9F BF)', '\ud7ff'],
  ['😀 (F0 9F 98 80)', '😀'],
  ['U+10FFFF (F4 8F BF BF)', '\u{10ffff}'],
];
for (const [name, character] of validSplitCharacters) {
  const bytes = Buffer.from(character);
  for (let cut = 1; cut < bytes.length; cut++) {
    conformance('utf8 valid split', `${name} split after byte ${cut} of ${bytes.length} → ack`, async ({ greeted }) => {
      const ws = await greeted();
      const before = Buffer.from('{"type":"ping","req":"x');
      const message = Buffer.concat([before, bytes, Buffer.from('y"}')]);
      const at = before.length + cut;
      const first = await sendAndSync(ws, [{ opcode: OP.text, payload: message.subarray(0, at), fin: false }], 'sync');
      assert.equal(first.opcode, OP.pong, 'a valid prefix must not close the connection');
      await ws.sendFrame({ opcode: OP.continuation, payload: message.subarray(at) });
      await expectAck(ws, `x${character}y`);
    }, { staff: character === '😀' && cut === 2 });
  }
}

conformance('utf8 valid split', '😀 in four 1-byte fragments with empty fragments between → ack', async ({ greeted }) => {
  const ws = await greeted();
  const bytes = Buffer.from('😀');
  await ws.sendFrames([
    { opcode: OP.text, payload: Buffer.concat([Buffer.from('{"type":"ping","req":"'), bytes.subarray(0, 1)]), fin: false },
    { opcode: OP.continuation, payload: '', fin: false },
    { opcode: OP.continuation, payload: bytes.subarray(1, 2), fin: false },
    { opcode: OP.continuation, payload: bytes.subarray(2, 3), fin: false },
    { opcode: OP.continuation, payload: '', fin: false },
    { opcode: OP.continuation, payload: Buffer.concat([bytes.subarray(3), Buffer.from('"}')]) },
  ]);
  await expectAck(ws, '😀');
});

conformance('utf8 valid split', 'a multi-byte character split across TCP segments inside one frame → ack', async ({ greeted }) => {
  const ws = await greeted();
  const payload = Buffer.from(ping('a€😀b'));
  const frame = encodeFrame({ opcode: OP.text, payload });
  const payloadStart = frame.length - payload.length;
  const emoji = payloadStart + payload.indexOf(Buffer.from('😀'));
  // A segment boundary after each byte of € and of 😀.
  const euro = payloadStart + payload.indexOf(Buffer.from('€'));
  await ws.writeSplit(frame, [euro + 1, euro + 2, emoji + 1, emoji + 2, emoji + 3]);
  await expectAck(ws, 'a€😀b');
});

if (LONG) {
  const text = ping('ñ€😀\u{10ffff}κόσμε');
  const bytes = Buffer.from(text);
  for (let at = 1; at < bytes.length; at++) {
    conformance('utf8 valid split (long)', `mixed text cut after byte ${at} of ${bytes.length} → ack`, async ({ greeted }) => {
      const ws = await greeted();
      await ws.sendFrames(fragmentsOf(bytes, [at]));
      await expectAck(ws, 'ñ€😀\u{10ffff}κόσμε');
    });
  }
  // Every opcode with every RSV combination.
  for (let opcode = 0; opcode < 16; opcode++) {
    for (let rsv = 1; rsv < 8; rsv++) {
      conformance('reserved bits (long)', `opcode 0x${opcode.toString(16)} with RSV ${rsv.toString(2).padStart(3, '0')} → 1002`, async ({ greeted }) => {
        const ws = await greeted();
        if (opcode === OP.continuation) await ws.sendFrame({ opcode: OP.text, payload: '{"type":', fin: false });
        await ws.sendFrame({ opcode, payload: opcode >= 8 ? 'x' : '"ping"}', rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0 });
        await expectServerClose(ws, 1002);
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Registration: every case on /ws (and on /ws/staff when marked, or in the
// long form), each followed by a good client on the same endpoint.

const runs = [];
for (const entry of cases) {
  runs.push({ ...entry, path: '/ws' });
  if (entry.staff || LONG) runs.push({ ...entry, path: '/ws/staff' });
}

test('the suite has at least 150 distinct cases and 60 UTF-8 vectors', () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  assert.ok(validVectors.length + invalidVectors.length >= 60, `${validVectors.length + invalidVectors.length} UTF-8 vectors`);
});

for (const run of runs) {
  const where = run.path === '/ws' ? '' : ` [${run.path}]`;
  test(`${run.group}: ${run.name}${where}`, async () => {
    const sockets = [];
    try {
      await run.body(makeContext(run.path, sockets));
    } finally {
      for (const ws of sockets) ws.destroy();
    }
    await assertGoodClient(run.path);
  });
}
