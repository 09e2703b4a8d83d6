// A fake of Deepgram's live transcription websocket (wss://api.deepgram.com/v1/listen), for the browser's
// dictation tests: a minimal RFC 6455 server that accepts the first offered subprotocol ("bearer" with a JWT, or
// "token" with a key, as Deepgram does), records the connection (query, subprotocols, audio bytes, JSON
// control messages such as CloseStream), and, once audio has arrived, sends the scripted transcription messages
// (Results with is_final/speech_final, UtteranceEnd) with the given delays. Closes after CloseStream.
import http from 'node:http';
import { createHash } from 'node:crypto';

export async function startFakeDeepgramLive() {
  const connections = [];
  let script = [];
  const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`,
      ...(offered.length ? [`Sec-WebSocket-Protocol: ${offered[0]}`] : []), '', ''].join('\r\n'));
    const conn = { url: req.url, protocols: offered, audioBytes: 0, controls: [], closed: false };
    connections.push(conn);
    const steps = script;
    let started = false;
    const send = (text) => {
      const payload = Buffer.from(text);
      const head = payload.length < 126 ? Buffer.from([0x81, payload.length])
        : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
      if (!socket.destroyed) socket.write(Buffer.concat([head, payload]));
    };
    const close = () => { if (!socket.destroyed) { socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8])); socket.end(); } conn.closed = true; };
    const play = async () => {
      for (const step of steps) {
        await new Promise((r) => setTimeout(r, step.delay_ms ?? 50));
        send(JSON.stringify(step.message));
      }
    };
    let buffer = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {  // client frames are masked; lengths up to 64 bits
        if (buffer.length < 2) return;
        const opcode = buffer[0] & 0x0f;
        let len = buffer[1] & 0x7f;
        let offset = 2;
        if (len === 126) { if (buffer.length < 4) return; len = buffer.readUInt16BE(2); offset = 4; }
        else if (len === 127) { if (buffer.length < 10) return; len = Number(buffer.readBigUInt64BE(2)); offset = 10; }
        if (buffer.length < offset + 4 + len) return;
        const mask = buffer.subarray(offset, offset + 4);
        const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + len));
        for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
        buffer = buffer.subarray(offset + 4 + len);
        if (opcode === 0x2 || opcode === 0x0) {
          conn.audioBytes += payload.length;
          if (!started) { started = true; play(); }
        } else if (opcode === 0x1) {
          const msg = JSON.parse(payload.toString());
          conn.controls.push(msg.type);
          if (msg.type === 'CloseStream') setTimeout(close, 20);
        } else if (opcode === 0x8) {
          close();
        }
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${server.address().port}/v1/listen`,
    connections,
    /** The messages the next connections send once audio arrives: [{delay_ms, message}]. */
    script(steps) { script = steps; },
    async stop() { server.closeAllConnections?.(); await new Promise((r) => server.close(r)); },
  };
}
