// Raw HTTP helpers for tests that need exact bytes on the wire (paths fetch would normalise, slow clients,
// malformed requests, disconnects).
import net from 'node:net';

/** Sends `text` (string or Buffer) and resolves with everything received until the server closes the
 *  connection or `timeoutMs` passes: { data, closed, ms }. */
export function rawExchange(port, text, { timeoutMs = 5000, host = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, host, () => socket.write(text));
    let data = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => (done ? null : e.code === 'ECONNRESET' ? finish(true) : reject(e)));
  });
}

/** Parses the first HTTP response in `data`: { status, headers (lower-case keys), body }. */
export function parseResponse(data) {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: data.slice(end + 4) };
}

/** GET over a raw socket with the exact request target. */
export async function rawGet(port, target, extraHeaders = '') {
  const { data } = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`);
  return parseResponse(data);
}

/** Opens an SSE request and returns { socket, chunks: () => text so far, closed: Promise }. */
export function openStream(port, target, headers = '') {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => { text += d.toString('utf8'); });
  socket.on('error', () => {});
  const closed = new Promise((r) => socket.on('close', r));
  socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${headers}\r\n`);
  return { socket, text: () => text, closed };
}

/** Decodes an HTTP/1.1 chunked body. */
export function dechunk(body) {
  let out = '';
  let rest = body;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) break;
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size >= 0)) break;
    if (size === 0) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}

// Only the pause between polls: tests wait for what they expect (waitFor, waitForStatus), not for a time.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `promise` settles within `ms` (rejects with it), false when the time passes first. The
 *  timer is cleared as soon as the answer is known: a pending timer keeps a test file's process, and so a
 *  slot of the suite, waiting for its whole length. */
export function within(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer));
}

/** Polls `fn` until it returns truthy or `ms` passes. */
export async function waitFor(fn, ms = 5000, step = 25) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return v;
    await sleep(step);
  }
}
