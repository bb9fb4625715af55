// A server stopped (SIGTERM) while hundreds of connections are busy — viewers
// and staff-lane clients sending as fast as they can, clients that stopped
// reading, clients in the middle of their handshake — exits with status 0 and
// "stopped cleanly", every time. Connections that had not finished when the
// io_contexts stopped used to outlive them (kept by the service) and crash
// the process on its way out (see net/server.cpp, release_connections).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { startServer } from '../web/harness.mjs';

const LONG = process.env.PLENO_SUITE_LONG === '1';
const ROUNDS = LONG ? 40 : 4;

function busyClient(port, path) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
  socket.on('error', () => {});
  socket.on('open', () => {
    socket.send(JSON.stringify({ type: 'hello', role: 'viewer', req: 0 }));
    let n = 0;
    const flood = () => {
      if (socket.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < 20; i += 1) socket.send(JSON.stringify({ type: 'ping', req: ++n }));
      setImmediate(flood);
    };
    flood();
  });
  return socket;
}

function nonReader(port, path) {
  // Says hello, then stops reading: its receive window fills up.
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
  socket.on('error', () => {});
  socket.on('open', () => {
    socket.send(JSON.stringify({ type: 'hello', role: 'viewer', req: 0 }));
    socket._socket.pause();
    const flood = () => {
      if (socket.readyState !== WebSocket.OPEN) return;
      for (let i = 0; i < 50; i += 1) socket.send(JSON.stringify({ type: 'ping', req: i }));
      setTimeout(flood, 5);
    };
    flood();
  });
  return socket;
}

function halfHandshake(port, path) {
  // An upgrade request cut in the middle of its headers.
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConn`);
  });
  socket.on('error', () => {});
  return socket;
}

test(`SIGTERM under load ends cleanly (${ROUNDS} rounds)`, { timeout: 60000 * (LONG ? 20 : 3) }, async () => {
  for (let round = 0; round < ROUNDS; round += 1) {
    const server = await startServer({ config: { limits: { connections_per_address: 1000 } } });
    const clients = [];
    for (let i = 0; i < 120; i += 1) clients.push(busyClient(server.port, i % 3 === 0 ? '/ws/staff' : '/ws'));
    for (let i = 0; i < 20; i += 1) clients.push(nonReader(server.port, i % 2 ? '/ws/staff' : '/ws'));
    for (let i = 0; i < 20; i += 1) clients.push(halfHandshake(server.port, i % 2 ? '/ws/staff' : '/ws'));
    // Stop at a different moment each round, while the floods run.
    await new Promise((resolve) => setTimeout(resolve, 300 + ((round * 137) % 900)));
    process.kill(server.pid, 'SIGTERM');
    const { code, signal } = await server.exited();
    for (const client of clients) {
      if (client.terminate) client.terminate(); else client.destroy();
    }
    const log = server.log();
    assert.equal(signal, null, `round ${round}: the server died of ${signal}:\n${log.slice(-4000)}`);
    assert.equal(code, 0, `round ${round}: exit status ${code}:\n${log.slice(-4000)}`);
    assert.match(log, /stopped cleanly/, `round ${round}`);
    assert.doesNotMatch(log, /AddressSanitizer|runtime error|LeakSanitizer/, `round ${round}`);
    await server.stop();
  }
});
