// One WebSocket connection to pleno-server's /ws, as every page needs it
// (see docs/protocol.md): hello, batches, requests answered by ack or error,
// the followed session and its highest seq, resuming after a reconnection,
// following the current session, reconnecting with a growing random delay.
//
//   const connection = new Connection({
//     role: 'citizen',
//     hello: () => ({citizen_id, citizen_key}),   // extra hello fields, asked at each connect
//     onMessage: (message) => {...},              // welcome, snapshot, events, resumed, current_session, unasked errors
//     onState: (state) => {...},                  // 'connecting' | 'open' | 'offline' | 'refused'
//     onHelloError: (error) => 'retry' | 'stop',  // hello refused (default: 'stop')
//     path: '/ws/staff',                         // moderator and chair pages: commands are read on
//                                                 // the server's staff lane (default '/ws')
//   });
//   connection.start();
//   const ack = await connection.request({type: 'approve', post_id: 10});  // rejects with the error message

const pingEveryMs = 20000;
const pingTimeoutMs = 10000;

export class Connection {
  constructor({ role, hello = () => ({}), onMessage = () => {}, onState = () => {}, onHelloError = () => 'stop',
                followCurrent = true, sessionId = 0, path = '/ws' }) {
    this.role = role;
    this.path = path;             // /ws, or /ws/staff for the pages that send commands
    this.helloFields = hello;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onHelloError = onHelloError;
    this.followCurrent = followCurrent;
    this.sessionId = sessionId;   // the session followed (0: the current one)
    this.seq = null;              // the highest seq received for it; null: nothing yet
    this.welcome = null;
    this.state = 'connecting';
    this.socket = null;
    this.nextReq = 1;
    this.pending = new Map();     // req -> {resolve, reject}
    this.failures = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.pingTimer = null;
    window.addEventListener('offline', () => this.drop());
    window.addEventListener('online', () => this.reconnectNow());
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close(1000);
  }

  get isOpen() {
    return this.state === 'open';
  }

  // Sends a request; resolves with its ack, rejects with its error (an object
  // with code, message, details) or with {code: 'connection_lost'}.
  request(message) {
    if (!this.isOpen) return Promise.reject({ code: 'connection_lost', message: 'not connected' });
    return this.sendRequest(message);
  }

  // Switches to another session (0: the current one), with a snapshot.
  follow(sessionId) {
    this.sessionId = sessionId;
    this.seq = null;
    return this.request({ type: 'follow', session_id: sessionId });
  }

  // ---- inside -------------------------------------------------------------

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }

  sendRequest(message) {
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject });
      try {
        this.socket.send(JSON.stringify({ ...message, req }));
      } catch (error) {
        this.pending.delete(req);
        reject({ code: 'connection_lost', message: String(error) });
      }
    });
  }

  open() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    if (navigator.onLine === false) {
      // The device has no network: wait for the 'online' event (reconnectNow)
      // rather than failing again and again; check now and then all the same.
      this.setState('offline');
      this.scheduleRetry();
      return;
    }
    this.setState(this.state === 'refused' ? 'refused' : 'connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}${this.path}`);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.sendHello(socket);
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      for (const message of Array.isArray(data) ? data : [data]) {
        if (message && typeof message === 'object') this.handle(message);
      }
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.lost(event.code);
    };
  }

  sendHello(socket) {
    if (socket !== this.socket) return;
    const hello = { type: 'hello', role: this.role, ...this.helloFields() };
    if (this.sessionId) hello.session_id = this.sessionId;
    if (this.sessionId && this.seq !== null) hello.last_seq = this.seq;
    this.sendRequest(hello).then((welcome) => {
      this.welcome = welcome;
      this.failures = 0;
      this.sessionId = welcome.session_id;
      this.startPings(socket);
      this.setState('open');
    }, (error) => {
      if (error.code === 'connection_lost') return;
      if (error.code === 'session_not_found' && this.sessionId) {
        // The session we followed is gone (a replaced database): start afresh.
        this.sessionId = 0;
        this.seq = null;
        this.sendHello(socket);
        return;
      }
      if (this.onHelloError(error) === 'retry') {
        this.sendHello(socket);
        return;
      }
      this.refuse();
    });
  }

  refuse() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    this.setState('refused');
    if (this.socket) this.socket.close(1000);
  }

  startPings(socket) {
    clearInterval(this.pingTimer);
    // An application ping finds connections that died without a close
    // (a phone that changed networks): no answer in time, reconnect.
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket || !this.isOpen) return;
      const timer = setTimeout(() => { if (socket === this.socket) socket.close(4000); this.lost(4000); }, pingTimeoutMs);
      this.sendRequest({ type: 'ping' }).then(() => clearTimeout(timer), () => clearTimeout(timer));
    }, pingEveryMs);
  }

  handle(message) {
    const { type } = message;
    if ((type === 'ack' || type === 'welcome' || type === 'error') && this.pending.has(message.req)) {
      const waiting = this.pending.get(message.req);
      this.pending.delete(message.req);
      if (type === 'error') waiting.reject(message);
      else waiting.resolve(message);
      if (type === 'welcome') this.onMessage(message);
      return;
    }
    if (type === 'snapshot') {
      this.sessionId = message.session_id;
      this.seq = message.seq;
    } else if (type === 'resumed') {
      if (message.session_id !== this.sessionId) return;
      this.seq = message.seq;
    } else if (type === 'current_session') {
      if (this.followCurrent && message.session_id !== this.sessionId && this.isOpen) {
        this.follow(message.session_id).catch(() => {});
      }
    } else if (typeof message.seq === 'number' && typeof message.session_id === 'number') {
      if (message.session_id !== this.sessionId) return;   // left over from a session we no longer follow
      if (this.seq !== null && message.seq <= this.seq) return;
      this.seq = message.seq;
    }
    this.onMessage(message);
  }

  lost(code) {
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= 1) socket.close();
    for (const waiting of this.pending.values()) waiting.reject({ code: 'connection_lost', message: `closed (${code})` });
    this.pending.clear();
    if (this.stopped) return;
    this.setState('offline');
    this.scheduleRetry();
  }

  drop() {
    if (this.socket) this.lost(4001);
  }

  reconnectNow() {
    if (this.stopped || this.socket) return;
    this.failures = 0;
    this.open();
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    // 0.5 s, 1 s, 2 s ... up to 15 s, each with a random part so that a
    // chamber full of phones does not come back at the same instant.
    const base = Math.min(15000, 500 * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => this.open(), base / 2 + Math.random() * base / 2);
  }
}

// The staff pages ask the server who is logged in: {account, role} or null.
// Without a login cookie the server answers {"account": null}.
export async function whoAmI() {
  const me = await fetchMe();
  return me && me.account ? me : null;
}

async function fetchMe() {
  try {
    const response = await fetch('/api/me', { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}

// POST /api/login: resolves with {account, role}, rejects with {status, code, message}.
export async function logIn(name, password) {
  const response = await fetch('/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw { status: response.status, code: body.code || 'error', message: body.message || '' };
  return body;
}

export async function logOut() {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
}
