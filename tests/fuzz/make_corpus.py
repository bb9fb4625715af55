#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).

Run from anywhere; the files are committed, so this is only needed to change
them. Seeds are valid and nearly valid inputs of every kind the target
handles: libFuzzer mutates them into the rest.
"""
import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

MESSAGES = [
    {"type": "hello", "req": 1, "role": "viewer"},
    {"type": "hello", "req": 1, "role": "viewer", "session_id": 1, "last_seq": 12},
    {"type": "hello", "req": 1, "role": "citizen"},
    {"type": "hello", "req": 1, "role": "citizen", "citizen_id": "c-QPOokFOH3WcUGgChQRBKog", "citizen_key": "k" * 43},
    {"type": "hello", "req": 1, "role": "display", "token": "demo-display-token-sala-de-plenos", "protocol": 1},
    {"type": "hello", "req": 1, "role": "moderator", "token": "x" * 43},
    {"type": "hello", "req": "a", "role": "chair", "token": "x" * 43},
    {"type": "submit_post", "req": 2, "client_id": "m7x2k9q4", "author": "Montse", "session_id": 1,
     "text": "El pressupost inclou la reforma del pavelló d'esports?"},
    {"type": "submit_post", "req": 3, "client_id": "z1", "author": "Ana", "session_id": 1, "item_id": 2,
     "text": "\u00bfY los caminos? \U0001F44D\U0001F3FD \u202eabc\u202c"},
    {"type": "approve", "req": 4, "post_id": 6},
    {"type": "reject", "req": 9, "post_id": 6, "reason": "off_topic", "detail": "Hable del punto 3"},
    {"type": "hide", "req": 5, "post_id": 6},
    {"type": "pin", "req": 5, "post_id": 6},
    {"type": "unpin", "req": 5, "post_id": 6},
    {"type": "ban", "req": 30, "session_id": 1, "citizen_id": "c-QPOokFOH3WcUGgChQRBKog", "reason": "Insultos"},
    {"type": "create_session", "req": 40, "title": "Pleno extraordinario", "place": "Sal\u00f3n",
     "starts_at": 1796144400000, "agenda": [{"title": "Programa"}, {"number": 9, "title": "Ruegos", "description": "x"}]},
    {"type": "update_session", "req": 41, "session_id": 2, "title": "T", "place": "P", "starts_at": 1796148000000},
    {"type": "set_agenda", "req": 42, "session_id": 2, "items": [{"id": 9, "title": "A"}, {"title": "B"}]},
    {"type": "set_agenda", "req": 42, "session_id": 2, "items": {"items": [{"title": "C"}]}},
    {"type": "open_session", "req": 50, "session_id": 2},
    {"type": "close_session", "req": 51, "session_id": 1},
    {"type": "set_current_item", "req": 26, "session_id": 1, "item_id": 3},
    {"type": "set_wall_mode", "req": 27, "session_id": 1, "wall_mode": "hold"},
    {"type": "set_overlay", "req": 28, "session_id": 1, "overlay": "Receso hasta las 19:00"},
    {"type": "follow", "req": 9, "session_id": 2, "last_seq": 3},
    {"type": "list_sessions", "req": 10},
    {"type": "ping", "req": 25},
]
RAW_MESSAGES = [
    b'{"type": "ping"', b'[]', b'{"type": 7}', b'{"type": "ping", "req": 1e999}',
    b'{"type": "ping", "req": -9223372036854775809}', b'[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]',
    b'{"type": "approve", "post_id": "6"}', b'{"type": "approve", "post_id": 18446744073709551616}',
    b'{"type": "hello", "role": "viewer", "extra": {"a": [1, 2, {"b": null}]}}', b'\xff\xfe{"type": "ping"}',
    b'{"type": "ping", "req": "\\ud800"}',
]

TEXTS = [
    "Hola", "  espacios   de   m\u00e1s  ", "l\u00ednea\r\nsegunda\r\rtercera\u2028cuarta\u2029", "tab\tcontrol\x01\x7f\x85",
    "\u202eevil\u202c normal \u2066iso\u2069", "zero\u200bwidth\ufeff\u2060join", "e\u0301 vs \u00e9 (NFD vs NFC)",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467 \U0001F3F3\ufe0f\u200d\U0001F308 \u2764\ufe0f", "\U000E0041\U000E007F tags",
    "\u0410\u043b\u0446\u0430\u043b\u0434\u0435\u0441\u0430 (Cyrillic lookalike)", "\u00a0\u2003\u3000 spaces",
    "x" * 300, "\U0001F600" * 290, "\n\n\n\n\nmany blank lines\n\n\n\nend", "\u0000nul inside",
]
RAW_TEXTS = [b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"abc\xe2\x82", b"\xf0\x9f\x98", b"\x80", b"\xfe\xff"]

def http_request(method, target, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:8080", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

HTTP = [
    http_request("GET", "/"), http_request("GET", "/moderate"), http_request("HEAD", "/pleno.css"),
    http_request("GET", "/js/citizen.js", ["Accept-Encoding: gzip"]), http_request("GET", "/api/session"),
    http_request("GET", "/api/me", ["Authorization: Bearer abc"]), http_request("GET", "/healthz"),
    http_request("POST", "/api/login", ["Content-Type: application/json"], b'{"name": "moderadora", "password": "x"}'),
    http_request("POST", "/api/logout", ["Cookie: pleno_token=abc"]), http_request("DELETE", "/api/session"),
    http_request("GET", "/../../etc/passwd"), http_request("GET", "/%2e%2e/%00"),
    http_request("GET", "/ws", ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                                "Sec-WebSocket-Version: 13", "Origin: http://evil.example"]),
    http_request("GET", "/ws/staff"),
    b"POST /api/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n", b"GARBAGE\r\n\r\n",
]

def frame(opcode, payload, fin=True, mask=b"\x12\x34\x56\x78", rsv=0):
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    length = len(payload)
    if length < 126:
        head = bytes([first, 0x80 | length])
    elif length < 65536:
        head = bytes([first, 0x80 | 126]) + struct.pack(">H", length)
    else:
        head = bytes([first, 0x80 | 127]) + struct.pack(">Q", length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked

def text(message):
    return frame(1, json.dumps(message, ensure_ascii=False).encode())

HELLO = text({"type": "hello", "req": 1, "role": "viewer"})
CITIZEN = text({"type": "hello", "req": 1, "role": "citizen"})
POST = text({"type": "submit_post", "req": 2, "client_id": "f1", "author": "Ana", "session_id": 1, "text": "Hola"})
CLOSE = frame(8, struct.pack(">H", 1000) + b"bye")
WEBSOCKET = [  # the first byte picks the path: even /ws, odd /ws/staff
    b"\x00" + HELLO + text({"type": "ping", "req": 2}) + CLOSE,
    b"\x01" + HELLO + text({"type": "list_sessions", "req": 2}) + CLOSE,
    b"\x00" + CITIZEN + POST + CLOSE,
    b"\x00" + HELLO + frame(1, b'{"type": "pi', fin=False) + frame(9, b"ping!") + frame(0, b'ng", "req": 3}') + CLOSE,
    b"\x00" + HELLO + frame(9, b"x" * 125) + frame(10, b"unsolicited") + CLOSE,
    b"\x00" + HELLO + frame(2, b"\x00\x01binary") + CLOSE,
    b"\x00" + frame(1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") + CLOSE,
    b"\x00" + frame(1, b"\xed\xa0\x80") + CLOSE,
    b"\x00" + HELLO + frame(1, b"x" * 70000),
    b"\x00" + HELLO + frame(1, b"abc", rsv=4),
    b"\x00" + HELLO + bytes([0x81, 0x05]) + b"hello",
    b"\x01" + text({"type": "hello", "req": 1, "role": "display", "token": "demo-display-token-sala-de-plenos"}) + CLOSE,
]

def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    for seed in seeds:
        data = seed if isinstance(seed, bytes) else seed.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as out:
            out.write(data)

write("message", [json.dumps(m, ensure_ascii=False) for m in MESSAGES] + RAW_MESSAGES)
write("text", TEXTS + RAW_TEXTS)
write("http", HTTP)
write("websocket", WEBSOCKET)
