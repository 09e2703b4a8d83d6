#!/usr/bin/env node
// A scriptable stdio MCP server for parley's integration tests: behaviours the real servers do not show on demand
// (pagination, list_changed, dying mid-call, never answering initialize, garbage on stdout, audio content).
// Flags: --page-size N, --never-initialize, --garbage, --protocol VERSION, --name NAME,
//        --grow-after-list (adds a tool and sends notifications/tools/list_changed once it has answered its first
//        whole tools/list, so the client can only learn of the tool from the notification),
//        --stderr-secret N (after initialized, writes "Authorization: Bearer " and N base64-like characters, then
//        a line "stderr-done", on stderr: a long credential-looking line for the log redactor)
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const pageSize = Number(option('--page-size', '0'));
const protocol = option('--protocol', null);
const garbage = flag('--garbage');

const send = (msg) => {
  if (garbage) process.stdout.write('this is not json {{{\n');
  process.stdout.write(JSON.stringify(msg) + '\n');
};
const text = (t) => ({ content: [{ type: 'text', text: t }] });
const schema = (props = {}) => ({ type: 'object', properties: props });

const tools = [
  { name: 'echo', description: 'Echo a message', inputSchema: schema({ message: { type: 'string' } }),
    run: (a) => text(`echo: ${a.message}`) },
  { name: 'add', description: 'Add two numbers', inputSchema: schema({ a: { type: 'number' }, b: { type: 'number' } }),
    run: (a) => text(String(a.a + a.b)) },
  { name: 'slow', description: 'Answer after ms milliseconds', inputSchema: schema({ ms: { type: 'number' } }),
    run: (a) => new Promise((r) => setTimeout(() => r(text(`slept ${a.ms}`)), a.ms)) },
  { name: 'audio', description: 'An audio clip', inputSchema: schema(),
    run: () => ({ content: [{ type: 'audio', data: Buffer.from('RIFFfakewav').toString('base64'), mimeType: 'audio/wav' }] }) },
  { name: 'fail', description: 'Always fails', inputSchema: schema(),
    run: () => ({ isError: true, content: [{ type: 'text', text: 'it failed on purpose' }] }) },
  { name: 'big', description: 'A large text', inputSchema: schema({ bytes: { type: 'number' } }),
    run: (a) => text('x'.repeat(a.bytes)) },
  { name: 'die', description: 'Exit in the middle of the call', inputSchema: schema(),
    run: () => { setTimeout(() => process.exit(3), 50); return new Promise(() => {}); } },
  { name: 'grow', description: 'Add a tool and announce list_changed', inputSchema: schema(),
    run: () => {
      tools.push({ name: `added_${tools.length}`, description: 'Added at run time', inputSchema: schema(),
        run: () => text('added tool ran') });
      // After the answer to a tools/call of `grow` (sent in this turn of the event loop) or of tools/list.
      setImmediate(() => send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
      return text('grown');
    } },
  { name: 'ping_parley', description: 'Ping the client before answering', inputSchema: schema(),
    run: () => new Promise((resolve) => { pendingPing = resolve; send({ jsonrpc: '2.0', id: 'srv-1', method: 'ping' }); }) },
  { name: 'log', description: 'Send a logging notification', inputSchema: schema({ message: { type: 'string' } }),
    run: (a) => { send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'warning', logger: 'fake', data: a.message } }); return text('logged'); } },
];
let pendingPing = null;
let grown = false;

async function handle(msg) {
  if (msg.id !== undefined && msg.method === undefined) {  // an answer to our ping
    if (msg.id === 'srv-1' && pendingPing) { pendingPing(text(`client answered ping: ${JSON.stringify(msg.result)}`)); pendingPing = null; }
    return;
  }
  if (msg.method === 'initialize') {
    if (flag('--never-initialize')) return;
    send({ jsonrpc: '2.0', id: msg.id, result: {
      protocolVersion: protocol ?? msg.params.protocolVersion,
      capabilities: { tools: { listChanged: true }, logging: {} },
      serverInfo: { name: option('--name', 'fake'), version: '1.0.0' } } });
    return;
  }
  if (msg.method === 'notifications/initialized') {
    const secretChars = Number(option('--stderr-secret', '0'));
    if (secretChars > 0) process.stderr.write(`Authorization: Bearer ${'Ab9+/'.repeat(Math.ceil(secretChars / 5)).slice(0, secretChars)}\nstderr-done\n`);
    return;
  }
  if (msg.method === 'tools/list') {
    const start = msg.params?.cursor ? Number(msg.params.cursor) : 0;
    const end = pageSize > 0 ? Math.min(start + pageSize, tools.length) : tools.length;
    const page = tools.slice(start, end).map(({ run, ...t }) => t);
    const result = { tools: page };
    if (end < tools.length) result.nextCursor = String(end);
    send({ jsonrpc: '2.0', id: msg.id, result });
    if (end === tools.length && flag('--grow-after-list') && !grown) {
      grown = true;
      tools.find((t) => t.name === 'grow').run();
    }
    return;
  }
  if (msg.method === 'tools/call') {
    const tool = tools.find((t) => t.name === msg.params.name);
    if (!tool) { send({ jsonrpc: '2.0', id: msg.id, error: { code: -32602, message: `Unknown tool ${msg.params.name}` } }); return; }
    const result = await tool.run(msg.params.arguments ?? {});
    send({ jsonrpc: '2.0', id: msg.id, result });
    return;
  }
  if (msg.method === 'ping') { send({ jsonrpc: '2.0', id: msg.id, result: {} }); return; }
  if (msg.id !== undefined) send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try { msg = JSON.parse(line); } catch { return; }
  for (const m of Array.isArray(msg) ? msg : [msg]) handle(m);
});
rl.on('close', () => process.exit(0));
