// What every browser test needs: a real pleno-server on a free loopback port
// with its own SQLite file (seeded with the demo), and Debian's chromium driven
// by playwright-core.
//
// Environment:
//   PLENO_SERVER_BINARY  the pleno-server to start (set by CTest)
//   PLENO_WEB_ROOT       assets/web (default: found next to this file)
//   PLENO_CHROMIUM       the browser (default /usr/bin/chromium)
//   PLENO_WEB_ARTIFACTS  where failing tests leave screenshots (default: a temp folder)
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceRoot = path.resolve(here, '..', '..');

export const demo = {
  moderator: { name: 'moderadora', password: 'demo-moderadora' },
  chair: { name: 'alcaldia', password: 'demo-alcaldia' },
  displayToken: 'demo-display-token-sala-de-plenos',
  sessionTitle: 'Pleno ordinario de noviembre',
};

// Starts pleno-server with the demo seeded and no simulated audience. `config`
// is merged into the configuration file (for example {council: {...}}).
// `dataDir`: a folder left by an earlier server started with `keepData: true`
// (its database is reused; the demo is not seeded again); `keepData: true`:
// stop() leaves the folder in place (the caller removes it); `env`: extra
// environment variables for the server (e.g. LD_PRELOAD). The returned object
// also has kill() (SIGKILL; resolves with {code, signal} once the process is
// gone; a later stop() only cleans up), exited() and pid.
export async function startServer({ config = {}, demoSeed = true, dataDir: existingDataDir, keepData = false, env = {}, tls } = {}) {
  const binary = process.env.PLENO_SERVER_BINARY;
  if (!binary) throw new Error('PLENO_SERVER_BINARY is not set (CTest sets it; see tests/web/README.md)');
  const dataDir = existingDataDir || await mkdtemp(path.join(tmpdir(), 'pleno-web-'));
  const settings = {
    demo_audience_seconds: 0,
    web_root: process.env.PLENO_WEB_ROOT || path.join(sourceRoot, 'assets', 'web'),
    ...config,
    // Tests post a lot from one browser: keep the citizen limits out of the way
    // unless a test sets them itself.
    council: {
      posts_per_citizen: { per_seconds: 1, burst: 1000 },
      new_citizens_per_address: { per_seconds: 1, burst: 1000 },
      ...(config.council || {}),
    },
    auth: {
      login_per_account: { per_seconds: 1, burst: 1000 },
      login_per_address: { per_seconds: 1, burst: 1000 },
      ...(config.auth || {}),
    },
    // Every browser context of a test comes from 127.0.0.1.
    limits: { connections_per_address: 200, ...(config.limits || {}) },
  };
  const configFile = path.join(dataDir, 'config.json');
  await writeFile(configFile, JSON.stringify(settings, null, 2));
  const args = ['--data', path.join(dataDir, 'data'), '--listen', '127.0.0.1:0', '--config', configFile];
  if (demoSeed) args.push('--demo');
  // tls: {cert, key} (PEM files): the server speaks HTTPS and WSS (then use node:https with the CA, not fetch).
  if (tls) args.push('--tls-cert', tls.cert, '--tls-key', tls.key);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  let killed = false;
  // 'close', not 'exit': the last lines the server wrote (a sanitizer's report) are in `output` by then.
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pleno-server did not start:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`pleno-server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });

  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    log: () => output,
    // Logs in through the HTTP API; returns {token, account, role}.
    async login(account) {
      const response = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: account.name, password: account.password }),
      });
      if (!response.ok) throw new Error(`login ${account.name}: HTTP ${response.status}`);
      return response.json();
    },
    async get(pathname) {
      const response = await fetch(`${url}${pathname}`);
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
    // Stops the server (SIGTERM), checks that it stopped cleanly and removes its files.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const { code, signal } = await exited;
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
      if (code !== 0 && !killed) throw new Error(`pleno-server ended with ${code ?? signal}:\n${output}`);
    },
    // Kills the server with SIGKILL (no chance to clean up) and resolves with
    // {code, signal} once it is gone. The data folder stays.
    async kill() {
      killed = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
    // Resolves with {code, signal} when the server exits, for whatever reason.
    exited: () => exited,
    pid: child.pid,
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PLENO_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-features=Translate,MediaRouter'],
  });
}

// A browser context as a phone or a desk would have it, with a fixed language.
export async function newContext(browser, { locale = 'es-ES', viewport = { width: 1280, height: 800 }, ...rest } = {}) {
  return browser.newContext({ locale, viewport, ...rest });
}

// Records what would show that a page misbehaves: uncaught exceptions, console
// errors, dialogs (alert() from an injected script), CSP violations.
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  return {
    problems,
    // Fails with the list when anything went wrong; `allow` filters expected lines.
    assertClean(allow = () => false) {
      const left = problems.filter((line) => !allow(line));
      if (left.length) throw new Error(`the page reported problems:\n${left.join('\n')}`);
    },
  };
}

// Saves a screenshot to PLENO_WEB_ARTIFACTS (for a person looking at a failure).
export async function keepScreenshot(page, name) {
  const folder = process.env.PLENO_WEB_ARTIFACTS || path.join(tmpdir(), 'pleno-web-artifacts');
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}

// Elements whose box reaches past the right edge of the viewport, or that are
// wider than their own scroll area allows; [] when the layout fits.
export async function overflowingElements(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    for (const element of document.querySelectorAll('body *')) {
      const style = getComputedStyle(element);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.right > width + 0.5 || box.left < -0.5) {
        found.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.className ? `.${String(element.className).replace(/\s+/g, '.')}` : ''} [${Math.round(box.left)}..${Math.round(box.right)}] > ${width}`);
      }
    }
    if (document.documentElement.scrollWidth > width) found.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
    return found;
  });
}

// Speaks the protocol from inside a page of the server's own origin (Node 18
// has no WebSocket): open(name, helloFields) → the welcome (or the error);
// send(name, message) → its ack or error; received(name) → every message.
//   const wire = await protocolPage(browser, server);
//   const { token } = await server.login(demo.moderator);
//   await wire.open('mod', { role: 'moderator', token });
//   await wire.send('mod', { type: 'approve', post_id: 10 });
export async function protocolPage(browser, server) {
  // bypassCSP: this tool page evaluates the predicates given to waitFor.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.evaluate(() => {
    window.plenoClients = {};
    window.plenoSend = (name, message) => {
      const client = window.plenoClients[name];
      const req = client.next++;
      return new Promise((resolve) => {
        client.waiting.set(req, resolve);
        client.socket.send(JSON.stringify({ ...message, req }));
      });
    };
    window.plenoOpen = (name, hello, path = '/ws') => new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://${location.host}${path}`);
      const client = { socket, next: 1, waiting: new Map(), received: [], closed: null };
      window.plenoClients[name] = client;
      socket.onmessage = (event) => {
        const data = JSON.parse(event.data);
        for (const message of Array.isArray(data) ? data : [data]) {
          client.received.push(message);
          if (message.req !== undefined && client.waiting.has(message.req)) {
            client.waiting.get(message.req)(message);
            client.waiting.delete(message.req);
          }
        }
      };
      socket.onclose = (event) => { client.closed = event.code; };
      socket.onopen = () => window.plenoSend(name, { type: 'hello', ...hello }).then(resolve);
      socket.onerror = () => reject(new Error('WebSocket error'));
    });
  });
  return {
    page,
    context,
    open: (name, hello, path) => page.evaluate(([n, h, p]) => window.plenoOpen(n, h, p), [name, hello, path]),
    send: (name, message) => page.evaluate(([n, m]) => window.plenoSend(n, m), [name, message]),
    received: (name) => page.evaluate((n) => window.plenoClients[n].received, name),
    // Resolves with the first received message matching `predicate` (a function
    // source run in the page, e.g. "m => m.type === 'post_approved'").
    waitFor: (name, predicate, timeout = 10000) => page.waitForFunction(
      ([n, source]) => window.plenoClients[n].received.find(eval(source)), [name, predicate], { timeout, polling: 100 },
    ).then((handle) => handle.jsonValue()),
    close: () => context.close(),
  };
}
