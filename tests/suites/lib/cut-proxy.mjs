// A TCP proxy on 127.0.0.1 between a client (pleno-display) and the server,
// whose link the network-loss suite cuts and restores:
//
//   const proxy = await startCutProxy(server.port);   // proxy.port: where the client connects
//   proxy.stop();    // a pulled cable: connections stay open, nothing moves either way
//                    // (bytes wait, as TCP would retransmit them), new ones are held
//   proxy.reset();   // the far side went away: every connection is dropped, new ones too
//   proxy.resume();  // the link is back: held bytes and connections go through
//   await proxy.close();
import net from 'node:net';

export async function startCutProxy(targetPort, { host = '127.0.0.1' } = {}) {
  let mode = 'forward';
  const pairs = new Set();

  function wire(pair) {
    const { client, upstream } = pair;
    client.on('data', (chunk) => { if (!upstream.write(chunk)) client.pause(); });
    upstream.on('data', (chunk) => { if (!client.write(chunk)) upstream.pause(); });
    upstream.on('drain', () => { if (mode === 'forward') client.resume(); });
    client.on('drain', () => { if (mode === 'forward') upstream.resume(); });
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  function connectUpstream(pair) {
    pair.upstream = net.connect(targetPort, host);
    pair.upstream.setNoDelay(true);
    wire(pair);
    if (mode !== 'forward') pair.upstream.pause();
  }

  const server = net.createServer((client) => {
    client.setNoDelay(true);
    if (mode === 'reset') {
      client.destroy();
      return;
    }
    const pair = { client, upstream: null };
    pairs.add(pair);
    if (mode === 'forward') {
      connectUpstream(pair);
    } else {
      client.pause();  // held until resume()
      client.on('error', () => { pairs.delete(pair); });
    }
  });
  await new Promise((resolve) => server.listen(0, host, resolve));

  return {
    port: server.address().port,
    get mode() { return mode; },
    get connections() { return pairs.size; },
    stop() {
      mode = 'stopped';
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    reset() {
      mode = 'reset';
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
    },
    resume() {
      mode = 'forward';
      for (const pair of [...pairs]) {
        if (pair.client.destroyed) { pairs.delete(pair); continue; }
        if (!pair.upstream) connectUpstream(pair);
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    async close() {
      for (const pair of pairs) { pair.client.destroy(); pair.upstream?.destroy(); }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
