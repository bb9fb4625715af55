#!/usr/bin/env node
// Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).
// The files are committed: run this (node tests/fuzz/make-corpus.mjs) only to
// change them. Seeds are valid and nearly valid inputs of every kind a target
// handles; libFuzzer mutates them into the rest. Each file is named by the
// start of its SHA-1.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const utf8 = (text) => Buffer.from(text, 'utf8');
const bytes = (...values) => Buffer.from(values);
const latin = (text) => Buffer.from(text, 'latin1');

const messages = [
  { type: 'hello', req: 1, role: 'viewer' },
  { type: 'hello', req: 1, role: 'viewer', session_id: 1, last_seq: 12 },
  { type: 'hello', req: 1, role: 'citizen' },
  { type: 'hello', req: 1, role: 'citizen', citizen_id: 'c-QPOokFOH3WcUGgChQRBKog', citizen_key: 'k'.repeat(43) },
  { type: 'hello', req: 1, role: 'display', token: 'demo-display-token-sala-de-plenos', protocol: 1 },
  { type: 'hello', req: 1, role: 'moderator', token: 'x'.repeat(43) },
  { type: 'hello', req: 'a', role: 'chair', token: 'x'.repeat(43) },
  { type: 'submit_post', req: 2, client_id: 'm7x2k9q4', author: 'Montse', session_id: 1, text: "El pressupost inclou la reforma del pavelló d'esports?" },
  { type: 'submit_post', req: 3, client_id: 'z1', author: 'Ana', session_id: 1, item_id: 2, text: '¿Y los caminos? 👍🏽 \u202eabc\u202c' },
  { type: 'approve', req: 4, post_id: 6 },
  { type: 'reject', req: 9, post_id: 6, reason: 'off_topic', detail: 'Hable del punto 3' },
  { type: 'hide', req: 5, post_id: 6 },
  { type: 'pin', req: 5, post_id: 6 },
  { type: 'unpin', req: 5, post_id: 6 },
  { type: 'ban', req: 30, session_id: 1, citizen_id: 'c-QPOokFOH3WcUGgChQRBKog', reason: 'Insultos' },
  { type: 'create_session', req: 40, title: 'Pleno extraordinario', place: 'Salón', starts_at: 1796144400000,
    agenda: [{ title: 'Programa' }, { number: 9, title: 'Ruegos', description: 'x' }] },
  { type: 'update_session', req: 41, session_id: 2, title: 'T', place: 'P', starts_at: 1796148000000 },
  { type: 'set_agenda', req: 42, session_id: 2, items: [{ id: 9, title: 'A' }, { title: 'B' }] },
  { type: 'set_agenda', req: 42, session_id: 2, items: { items: [{ title: 'C' }] } },
  { type: 'open_session', req: 50, session_id: 2 },
  { type: 'close_session', req: 51, session_id: 1 },
  { type: 'set_current_item', req: 26, session_id: 1, item_id: 3 },
  { type: 'set_wall_mode', req: 27, session_id: 1, wall_mode: 'hold' },
  { type: 'set_overlay', req: 28, session_id: 1, overlay: 'Receso hasta las 19:00' },
  { type: 'follow', req: 9, session_id: 2, last_seq: 3 },
  { type: 'list_sessions', req: 10 },
  { type: 'ping', req: 25 },
].map((message) => utf8(JSON.stringify(message)));
const rawMessages = [
  '{"type": "ping"', '[]', '{"type": 7}', '{"type": "ping", "req": 1e999}',
  '{"type": "ping", "req": -9223372036854775809}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]',
  '{"type": "approve", "post_id": "6"}', '{"type": "approve", "post_id": 18446744073709551616}',
  '{"type": "hello", "role": "viewer", "extra": {"a": [1, 2, {"b": null}]}}',
  '{"type": "ping", "req": "\\ud800"}',
].map(utf8).concat([Buffer.concat([bytes(0xff, 0xfe), utf8('{"type": "ping"}')])]);

const texts = [
  'Hola', '  espacios   de   más  ', 'línea\r\nsegunda\r\rtercera\u2028cuarta\u2029', 'tab\tcontrol\x01\x7f\u0085',
  '\u202eevil\u202c normal \u2066iso\u2069', 'zero\u200bwidth\ufeff\u2060join', 'e\u0301 vs é (NFD vs NFC)',
  '👨\u200d👩\u200d👧 🏳\ufe0f\u200d🌈 ❤\ufe0f', '\u{E0041}\u{E007F} tags', 'Алцалдеса (Cyrillic lookalike)',
  '\u00a0\u2003\u3000 spaces', 'x'.repeat(300), '😀'.repeat(290), '\n\n\n\n\nmany blank lines\n\n\n\nend', '\u0000nul inside',
].map(utf8).concat([
  bytes(0xc0, 0xaf), bytes(0xed, 0xa0, 0x80), bytes(0xf4, 0x90, 0x80, 0x80), Buffer.concat([utf8('abc'), bytes(0xe2, 0x82)]),
  bytes(0xf0, 0x9f, 0x98), bytes(0x80), bytes(0xfe, 0xff),
]);

function request(method, target, headers = [], body = Buffer.alloc(0)) {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1:8080', ...headers];
  if (body.length) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([utf8(`${lines.join('\r\n')}\r\n\r\n`), body]);
}
const http = [
  request('GET', '/'), request('GET', '/moderate'), request('HEAD', '/pleno.css'),
  request('GET', '/js/citizen.js', ['Accept-Encoding: gzip']), request('GET', '/api/session'),
  request('GET', '/api/me', ['Authorization: Bearer abc']), request('GET', '/healthz'),
  request('POST', '/api/login', ['Content-Type: application/json'], utf8('{"name": "moderadora", "password": "x"}')),
  request('POST', '/api/logout', ['Cookie: pleno_token=abc']), request('DELETE', '/api/session'),
  request('GET', '/../../etc/passwd'), request('GET', '/%2e%2e/%00'),
  request('GET', '/ws', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13', 'Origin: http://evil.example']),
  request('GET', '/ws/staff'),
  latin('POST /api/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  latin('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n'),
  latin('GET / HTTP/1.0\r\n\r\n'), latin('GARBAGE\r\n\r\n'),
];

// A client frame, masked as RFC 6455 requires (unless told otherwise by a raw seed).
function frame(opcode, payload, { fin = true, rsv = 0, mask = bytes(0x12, 0x34, 0x56, 0x78) } = {}) {
  const first = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  let head;
  if (payload.length < 126) head = bytes(first, 0x80 | payload.length);
  else if (payload.length < 65536) { head = Buffer.alloc(4); head[0] = first; head[1] = 0x80 | 126; head.writeUInt16BE(payload.length, 2); }
  else { head = Buffer.alloc(10); head[0] = first; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(payload.length), 2); }
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}
const text = (message) => frame(1, utf8(JSON.stringify(message)));
const hello = text({ type: 'hello', req: 1, role: 'viewer' });
const citizen = text({ type: 'hello', req: 1, role: 'citizen' });
const post = text({ type: 'submit_post', req: 2, client_id: 'f1', author: 'Ana', session_id: 1, text: 'Hola' });
const closing = frame(8, Buffer.concat([bytes(0x03, 0xe8), utf8('bye')]));
const path0 = bytes(0x00);  // the first byte picks the path: even /ws, odd /ws/staff
const path1 = bytes(0x01);
const websocket = [
  [path0, hello, text({ type: 'ping', req: 2 }), closing],
  [path1, hello, text({ type: 'list_sessions', req: 2 }), closing],
  [path0, citizen, post, closing],
  [path0, hello, frame(1, utf8('{"type": "pi'), { fin: false }), frame(9, utf8('ping!')), frame(0, utf8('ng", "req": 3}')), closing],
  [path0, hello, frame(9, utf8('x'.repeat(125))), frame(10, utf8('unsolicited')), closing],
  [path0, hello, frame(2, Buffer.concat([bytes(0, 1), utf8('binary')])), closing],
  [path0, frame(1, bytes(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5)), closing],
  [path0, frame(1, bytes(0xed, 0xa0, 0x80)), closing],
  [path0, hello, frame(1, utf8('x'.repeat(70000)))],
  [path0, hello, frame(1, utf8('abc'), { rsv: 4 })],
  [path0, hello, bytes(0x81, 0x05), utf8('hello')],
  [path1, text({ type: 'hello', req: 1, role: 'display', token: 'demo-display-token-sala-de-plenos' }), closing],
].map((parts) => Buffer.concat(parts));

function write(target, seeds) {
  const folder = path.join(here, 'corpus', target);
  mkdirSync(folder, { recursive: true });
  for (const old of readdirSync(folder)) rmSync(path.join(folder, old));
  for (const seed of seeds) {
    writeFileSync(path.join(folder, createHash('sha1').update(seed).digest('hex').slice(0, 16)), seed);
  }
}

write('message', messages.concat(rawMessages));
write('text', texts);
write('http', http);
write('websocket', websocket);
