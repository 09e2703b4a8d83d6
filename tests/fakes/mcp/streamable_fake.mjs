// A Streamable HTTP MCP server with failures on demand, for the transport's recovery tests:
//   dropStream: a tools/call answers with an event stream that primes an event id (and `retry: 50`) and then
//     ends without the answer; the answer comes on the GET that resumes with Last-Event-ID.
//   expireSession(): from now on the current session id is unknown (404), as after a server restart; a new
//     initialize gets a new session.
// Use: const s = await startStreamableFake({ dropStream }); s.url, s.events, s.expireSession(), s.stop().
import http from 'node:http';

export async function startStreamableFake({ dropStream = false } = {}) {
  const events = [];
  let sessions = 0;
  const live = new Set();
  const held = new Map();  // event id -> the answer to send when a GET resumes after it
  const readBody = (req) => new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const result = (msg) => {
    switch (msg.method) {
      case 'initialize':
        return { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'streamable-fake', version: '1' } };
      case 'tools/list':
        return { tools: [{ name: 'add', description: 'Add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } }] };
      case 'tools/call':
        return { content: [{ type: 'text', text: String(msg.params.arguments.a + msg.params.arguments.b) }] };
      default:
        return {};
    }
  };

  const server = http.createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    if (req.method === 'GET') {
      const last = req.headers['last-event-id'];
      events.push({ type: 'get', session: sid, lastEventId: last });
      if (!live.has(sid)) { res.writeHead(404); res.end(); return; }
      const answer = last && held.get(last);
      if (!answer) { res.writeHead(405); res.end(); return; }
      held.delete(last);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(`id: ${last}-answer\nevent: message\ndata: ${JSON.stringify(answer)}\n\n`);
      return;
    }
    if (req.method === 'DELETE') { live.delete(sid); res.writeHead(200); res.end(); return; }
    const msg = JSON.parse(await readBody(req));
    events.push({ type: 'post', method: msg.method, session: sid });
    if (msg.method === 'initialize') {
      const id = `session-${++sessions}`;
      live.add(id);
      json(res, 200, { jsonrpc: '2.0', id: msg.id, result: result(msg) }, { 'Mcp-Session-Id': id });
      return;
    }
    if (!live.has(sid)) { json(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }); return; }
    if (msg.id === undefined) { res.writeHead(202); res.end(); return; }
    const answer = { jsonrpc: '2.0', id: msg.id, result: result(msg) };
    if (dropStream && msg.method === 'tools/call') {
      const eventId = `ev-${msg.id}`;
      held.set(eventId, answer);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(`id: ${eventId}\nretry: 50\ndata: \n\n`);  // primed, then the connection ends without the answer
      return;
    }
    json(res, 200, answer);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    events,
    expireSession() { live.clear(); },
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
