// parley's built-in MCP servers (api.md §7.2, §7.5) over real stdio: `parley mcp-server <name>` spoken to as
// parley speaks to it, real PDFs made with Ghostscript, the bootstrapped servers of a fresh home reaching
// "connected", and chat turns where the fake model calls calculator_evaluate and chat_history.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parleyBin, startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { waitForStatus, server } from './mcp_helpers.mjs';
import { upload } from './uploads_helpers.mjs';

const homes = [];
function newHome() {
  const home = mkdtempSync(join(tmpdir(), 'parley-builtin-'));
  homes.push(home);
  return home;
}
after(() => { for (const h of homes) rmSync(h, { recursive: true, force: true }); });

/** Spawns `parley mcp-server <name>` and speaks newline-delimited JSON-RPC with it. */
function startBuiltin(name, { home = newHome(), env = {} } = {}) {
  const proc = spawn(parleyBin, ['mcp-server', name], {
    cwd: home,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PARLEY_HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buffer = '';
  let stderr = '';
  const waiting = new Map();
  const unmatched = [];
  proc.stdout.on('data', (d) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const msg = JSON.parse(line);  // every stdout line must be JSON-RPC
      const key = JSON.stringify(msg.id);
      if (waiting.has(key)) { waiting.get(key)(msg); waiting.delete(key); } else unmatched.push(msg);
    }
  });
  proc.stderr.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let nextId = 1;
  const handle = {
    home, proc, exited, unmatched, stderr: () => stderr,
    send(line) { proc.stdin.write(line + '\n'); },
    request(method, params, id = nextId++) {
      const key = JSON.stringify(id);
      const p = new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no answer to ${method} ${key}; stderr: ${stderr}`)), 20000);
        waiting.set(key, (msg) => { clearTimeout(timer); res(msg); });
      });
      proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }) + '\n');
      return p;
    },
    async call(tool, args) {
      const r = await handle.request('tools/call', { name: tool, arguments: args });
      assert.ok(r.result, JSON.stringify(r));
      return r.result;
    },
    async close() { proc.stdin.end(); return exited; },
  };
  return handle;
}

async function initialized(name, opts) {
  const s = startBuiltin(name, opts);
  const init = await s.request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } });
  assert.equal(init.result.protocolVersion, '2025-06-18');
  s.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return s;
}

const text = (result) => result.content.map((c) => c.text).join('\n');

test('calculator: negotiation, listing, exact decimals, errors as isError, malformed lines, clean exit on EOF', async () => {
  const s = startBuiltin('backend.mcp_servers.calculator_server');  // the legacy alias
  const old = await s.request('initialize', { protocolVersion: '2024-11-05', capabilities: {} });
  assert.equal(old.result.protocolVersion, '2024-11-05');
  const future = await s.request('initialize', { protocolVersion: '2099-01-01' });
  assert.equal(future.result.protocolVersion, '2025-11-25');
  assert.equal(future.result.serverInfo.name, 'parley-calculator');
  s.send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  const list = await s.request('tools/list', {});
  assert.deepEqual(list.result.tools.map((t) => t.name), ['calculator_evaluate', 'calculator_expression']);
  assert.deepEqual(list.result.tools[0].inputSchema.required, ['operation', 'a', 'b']);
  assert.deepEqual(list.result.tools[0].inputSchema.properties.operation.enum, ['add', 'subtract', 'multiply', 'divide']);

  assert.equal(text(await s.call('calculator_evaluate', { operation: 'add', a: 0.1, b: 0.2 })), '0.3');
  assert.equal(text(await s.call('calculator_evaluate', { operation: 'multiply', a: 6, b: 7 })), '42');
  assert.equal(text(await s.call('calculator_evaluate', { operation: 'divide', a: 1, b: 3 })), '0.333333333333333');
  const byZero = await s.call('calculator_evaluate', { operation: 'divide', a: 1, b: 0 });
  assert.equal(byZero.isError, true);
  assert.match(text(byZero), /Division by zero/);
  const badOp = await s.call('calculator_evaluate', { operation: 'power', a: 1, b: 2 });
  assert.equal(badOp.isError, true);
  assert.match(text(badOp), /'operation' must be one of 'add', 'subtract', 'multiply', 'divide'/);
  assert.equal((await s.call('calculator_evaluate', { operation: 'add', a: '1', b: 2 })).isError, true);
  assert.equal(text(await s.call('calculator_expression', { expression: '(2 + 3) * -1.5 ^ 2' })), '-11.25');
  const bad = await s.call('calculator_expression', { expression: '2 ** (3' });
  assert.equal(bad.isError, true);
  assert.match(text(bad), /Missing '\)'/);

  // Malformed input: each bad line gets its JSON-RPC error and the server keeps going.
  s.send('{"jsonrpc":"2.0","id":');
  s.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'));
  const unknown = await s.request('resources/list', {});
  assert.equal(unknown.error.code, -32601);
  const unknownTool = await s.request('tools/call', { name: 'rm_rf' });
  assert.equal(unknownTool.error.code, -32602);
  assert.deepEqual(s.unmatched.map((m) => m.error.code), [-32700, -32700]);
  assert.deepEqual((await s.request('ping')).result, {});
  assert.deepEqual(await s.close(), { code: 0, signal: null });
});

test('mcp-server refuses unknown names with a readable message; the legacy Google names run', async () => {
  const unknown = startBuiltin('nonsense');
  assert.equal((await unknown.exited).code, 2);
  assert.match(unknown.stderr(), /unknown built-in server 'nonsense'/);
  const gmail = await initialized('backend.mcp_servers.gmail_server');
  const list = await gmail.request('tools/list');
  assert.ok(list.result.tools.some((t) => t.name === 'search_gmail_messages'));
  assert.deepEqual(await gmail.close(), { code: 0, signal: null });
});

test('housekeeping: test_echo and current_time in PARLEY_TIMEZONE', async () => {
  const s = await initialized('housekeeping', { env: { PARLEY_TIMEZONE: 'Asia/Tokyo' } });
  const list = await s.request('tools/list');
  assert.deepEqual(list.result.tools.map((t) => t.name), ['test_echo', 'current_time', 'chat_history']);
  const echo = await s.call('test_echo', { message: 'hi', uppercase: true });
  assert.deepEqual(echo.structuredContent, { message: 'HI', uppercase: true });
  const before = Date.now() / 1000;
  const now = (await s.call('current_time', {})).structuredContent;
  assert.equal(now.timezone, 'Asia/Tokyo');
  assert.equal(now.local_offset, 'UTC+09:00');
  assert.equal(now.local_abbreviation, 'JST');
  assert.match(now.local_iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
  assert.equal(now.value, now.local_iso);
  assert.ok(Math.abs(now.utc_unix_precise - before) < 5, `${now.utc_unix_precise} vs ${before}`);
  assert.equal(Date.parse(now.utc_iso) / 1000, now.utc_unix);
  for (const key of ['local_display', 'context_summary']) assert.equal(typeof now[key], 'string');
  assert.ok(now.context_lines.length >= 3);
  assert.equal((await s.call('current_time', { format: 'unix' })).structuredContent.value, (await s.call('current_time', { format: 'unix' })).structuredContent.utc_unix);
  const missing = await s.call('chat_history', {});
  assert.equal(missing.isError, true);
  await s.close();
});

// Real PDFs: Ghostscript turns a PostScript program with one text line per page into a PDF.
function makePdf(path, pages) {
  const ps = ['%!PS', '/Helvetica findfont 20 scalefont setfont'];
  for (const line of pages) ps.push(`72 700 moveto (${line}) show showpage`);
  const psPath = `${path}.ps`;
  writeFileSync(psPath, ps.join('\n') + '\n');
  execFileSync('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sDEVICE=pdfwrite', `-sOutputFile=${path}`, psPath]);
  rmSync(psPath);
}

test('pdf: multi-page PDFs, page ranges, damaged and fake PDFs, traversal attempts, listing', async () => {
  const home = newHome();
  const uploads = join(home, 'data', 'uploads');
  const session = join(uploads, 'sess1');
  mkdirSync(session, { recursive: true });
  makePdf(join(session, 'report.pdf'), ['Quarterly report alpha', 'Second page bravo', 'Third page charlie']);
  const whole = readFileSync(join(session, 'report.pdf'));
  writeFileSync(join(session, 'truncated.pdf'), whole.subarray(0, Math.floor(whole.length / 3)));
  writeFileSync(join(session, 'fake.pdf'), 'GIF89a this is not a PDF');
  writeFileSync(join(uploads, 'notes.txt'), 'plain notes');
  const outside = newHome();
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(uploads, 'link.txt'));

  const s = await initialized('pdf', { home });
  const names = (await s.request('tools/list')).result.tools.map((t) => t.name);
  for (const n of ['extract_document', 'extract_saved_attachment', 'list_upload_paths', 'search_upload_paths',
    'extract_bytes', 'extract_simple', 'batch_extract_document', 'batch_extract_bytes']) assert.ok(names.includes(n), n);

  const doc = await s.call('extract_document', { file_path: 'sess1/report.pdf', extract_keywords: true });
  assert.equal(doc.isError, false, text(doc));
  const d = doc.structuredContent;
  assert.match(d.content, /Quarterly report alpha[\s\S]*Second page bravo[\s\S]*Third page charlie/);
  assert.equal(d.mime_type, 'application/pdf');
  assert.equal(d.metadata.page_count, 3);
  assert.deepEqual(d.warnings, ['Keyword extraction is not supported.']);

  const range = (await s.call('extract_document', { file_path: join(session, 'report.pdf'), pages: '2-3' })).structuredContent;
  assert.doesNotMatch(range.content, /alpha/);
  assert.match(range.content, /bravo[\s\S]*charlie/);
  assert.deepEqual(range.metadata.pages_extracted, [2, 3]);
  const outOfRange = await s.call('extract_document', { file_path: 'sess1/report.pdf', pages: '4' });
  assert.equal(outOfRange.isError, true);
  assert.match(text(outOfRange), /document has 3 pages/);

  const truncated = await s.call('extract_document', { file_path: 'sess1/truncated.pdf' });
  assert.equal(truncated.isError, true, JSON.stringify(truncated));
  assert.match(text(truncated), /truncated\.pdf could not be read as a PDF/);
  const fake = await s.call('extract_document', { file_path: 'sess1/fake.pdf' });
  assert.equal(fake.isError, true);
  assert.match(text(fake), /is not a PDF/);
  assert.equal(text(await s.call('extract_simple', { file_path: 'notes.txt' })), 'plain notes');

  for (const evil of ['../../../../etc/passwd', '/etc/passwd', 'sess1/../../.env', join(outside, 'secret.txt'), 'link.txt']) {
    const r = await s.call('extract_document', { file_path: evil });
    assert.equal(r.isError, true, evil);
    assert.match(text(r), /Access denied/, evil);
    assert.doesNotMatch(text(r), /TOP SECRET|root:/);
  }
  // URLs: a local web server is a private address, refused unless listed in IMAGE_DOWNLOAD_ALLOWED_HOSTS.
  let hits = 0;
  const web = createServer((req, res) => {
    hits += 1;
    if (req.url === '/report.pdf') { res.writeHead(200, { 'Content-Type': 'application/pdf; qs=1' }); res.end(whole); return; }
    if (req.url === '/moved') { res.writeHead(302, { Location: '/report.pdf' }); res.end(); return; }
    res.writeHead(404); res.end('nope');
  });
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${web.address().port}`;
  try {
    const refused = await s.call('extract_document', { file_path: `${base}/report.pdf` });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /non-public address \(127\.0\.0\.1\)/);
    assert.equal(hits, 0, 'a refused download sends nothing');
    const allowed = await initialized('pdf', { home, env: { IMAGE_DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1' } });
    const fetched = await allowed.call('extract_document', { file_path: `${base}/report.pdf`, pages: '3' });
    assert.equal(fetched.isError, false, text(fetched));
    assert.match(fetched.structuredContent.content, /^Third page charlie\s*$/);
    assert.equal(fetched.structuredContent.metadata.url, `${base}/report.pdf`);
    assert.match(text(await allowed.call('extract_document', { file_path: `${base}/gone.pdf` })), /answered HTTP 404/);
    assert.match(text(await allowed.call('extract_document', { file_path: `${base}/moved` })), /redirect \(HTTP 302\)/);
    const otherHost = await allowed.call('extract_document', { file_path: `http://localhost:${web.address().port}/report.pdf` });
    assert.match(text(otherHost), /not in IMAGE_DOWNLOAD_ALLOWED_HOSTS/);
    assert.equal(hits, 3);
    await allowed.close();
  } finally {
    web.close();
  }

  const bytes = await s.call('extract_bytes', { content_base64: whole.toString('base64'), mime_type: 'application/pdf', pages: 1 });
  assert.match(bytes.structuredContent.content, /^Quarterly report alpha\s*$/);

  const listing = (await s.call('list_upload_paths', {})).structuredContent;
  const rel = listing.files.map((f) => f.relative_path).sort();
  assert.deepEqual(rel, ['notes.txt', 'sess1/fake.pdf', 'sess1/report.pdf', 'sess1/truncated.pdf']);  // no link.txt
  const report = listing.files.find((f) => f.relative_path === 'sess1/report.pdf');
  assert.equal(report.size_bytes, whole.length);
  assert.equal(report.mime_type, 'application/pdf');
  assert.match(report.modified_at, /Z$/);
  const found = (await s.call('search_upload_paths', { query: 'REPORT', session_id: 'sess1' })).structuredContent;
  assert.deepEqual(found.files.map((f) => f.relative_path), ['sess1/report.pdf']);
  const missingAttachment = await s.call('extract_saved_attachment', { attachment_id: 'nope' });
  assert.equal(missingAttachment.isError, true);
  assert.match(text(missingAttachment), /No attachment with id 'nope'/);
  await s.close();
});

test('pdf: extract_saved_attachment reads the attachment row from the database and the object from data/blobs', async () => {
  const home = newHome();
  execFileSync(parleyBin, ['migrate'], { env: { PATH: process.env.PATH, PARLEY_HOME: home }, cwd: home });
  const key = 's1/0123456789abcdef0123456789abcdef__scan.pdf';
  mkdirSync(join(home, 'data', 'blobs', 's1'), { recursive: true });
  makePdf(join(home, 'data', 'blobs', key), ['Invoice number 4711', 'Total due 99 EUR']);
  const size = readFileSync(join(home, 'data', 'blobs', key)).length;
  const sql = `INSERT INTO conversations(session_id) VALUES ('s1');
    INSERT INTO attachments(attachment_id, session_id, storage_path, mime_type, size_bytes, display_url, delivery_url, metadata, storage_backend)
      VALUES ('0123456789abcdef0123456789abcdef', 's1', '${key}', 'application/pdf', ${size}, '', '',
              '{"mime_type":"application/pdf","size_bytes":${size},"filename":"scan.pdf"}', 'local');
    INSERT INTO attachments(attachment_id, session_id, storage_path, mime_type, size_bytes, display_url, delivery_url, gcs_blob)
      VALUES ('legacy', 's1', 's1/legacy__old.pdf', 'application/pdf', 10, '', '', 's1/legacy__old.pdf');
    INSERT INTO attachments(attachment_id, session_id, storage_path, mime_type, size_bytes, display_url, delivery_url, storage_backend)
      VALUES ('evil', 's1', '../../../../etc/passwd', 'text/plain', 10, '', '', 'local');`;
  execFileSync('sqlite3', [join(home, 'data', 'chat_sessions.db'), sql]);

  const s = await initialized('pdf', { home });
  const saved = await s.call('extract_saved_attachment', { attachment_id: '0123456789abcdef0123456789abcdef', pages: '2' });
  assert.equal(saved.isError, false, text(saved));
  assert.match(saved.structuredContent.content, /^Total due 99 EUR\s*$/);
  assert.equal(saved.structuredContent.metadata.filename, 'scan.pdf');
  assert.equal(saved.structuredContent.metadata.page_count, 2);
  const legacy = await s.call('extract_saved_attachment', { attachment_id: 'legacy' });
  assert.equal(legacy.isError, true);
  assert.match(text(legacy), /'gcs' storage, which is not configured here: /);
  const evil = await s.call('extract_saved_attachment', { attachment_id: 'evil' });
  assert.equal(evil.isError, true);
  assert.match(text(evil), /missing from local storage/);  // the key never leaves data\/blobs
  await s.close();
});

test('a fresh home: the bootstrapped built-in servers connect; chat turns call calculator_evaluate, chat_history and extract_saved_attachment on an upload', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-builtin-0123456789' } });
  try {
    const status = await waitForStatus(p, (st) => ['local-calculator', 'housekeeping', 'custom-pdf'].every((id) => server(st, id)?.state === 'connected'),
      { what: 'built-in servers connected', timeoutMs: 20000 });
    assert.deepEqual(server(status, 'local-calculator').tools.map((t) => t.name), ['calculator_evaluate', 'calculator_expression']);
    assert.equal(server(status, 'housekeeping').tool_count, 3);
    assert.equal(server(status, 'custom-pdf').tool_count, 8);
    assert.equal(server(status, 'local-calculator').last_error, null);

    const call = (id, name, args) => ({ index: 0, id, type: 'function', function: { name, arguments: args } });
    const turn = async (body) => {
      const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const raw = await res.text();
      return raw.split('\n\n').filter((b) => b && !b.startsWith(':')).map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'),
      }));
    };
    await up.script([
      { tool_fragments: [call('c_calc', 'calculator_evaluate', '{"operation":"multiply","a":6,"b":7}')] },
      { content: ['It is 42.'] },
    ]);
    const ev = await turn({ messages: [{ role: 'user', content: 'what is six times seven?' }] });
    const tools = ev.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data));
    const finished = tools.find((t) => t.status === 'finished');
    assert.ok(finished, JSON.stringify(tools));
    assert.equal(finished.name, 'calculator_evaluate');
    assert.equal(finished.result, '42');
    const sessionId = JSON.parse(ev.find((e) => e.event === 'session').data).session_id;
    assert.ok(sessionId);

    // Second turn of the same conversation: chat_history gets the session injected and reads the store.
    await up.script([
      { tool_fragments: [call('c_hist', 'chat_history', '{"limit":10}')] },
      { content: ['You asked about six times seven.'] },
    ]);
    const ev2 = await turn({ session_id: sessionId, messages: [{ role: 'user', content: 'what did I ask before?' }] });
    const hist = ev2.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).find((t) => t.status !== 'started');
    assert.equal(hist.status, 'finished', JSON.stringify(hist));
    const history = JSON.parse(hist.result);
    assert.equal(history.session_id, sessionId);
    const contents = history.messages.map((m) => m.content);
    assert.ok(contents.includes('what is six times seven?'), JSON.stringify(contents));
    assert.ok(contents.includes('42'), 'the tool row of the first turn');
    assert.ok(history.messages.some((m) => m.role === 'assistant'));

    // A PDF uploaded through parley's API, then read by the model through extract_saved_attachment.
    const pdfPath = join(p.home, 'uploaded.pdf');
    makePdf(pdfPath, ['Uploaded contract text', 'Signature page']);
    const uploaded = await upload(p.url, { sessionId, data: readFileSync(pdfPath), filename: 'contract.pdf', type: 'application/pdf' });
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const attachmentId = uploaded.body.attachment.id;
    await up.script([
      { tool_fragments: [call('c_pdf', 'extract_saved_attachment', JSON.stringify({ attachment_id: attachmentId, pages: '1' }))] },
      { content: ['It is a contract.'] },
    ]);
    const ev3 = await turn({ session_id: sessionId, messages: [{ role: 'user', content: 'what did I upload?' }] });
    const pdfTool = ev3.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).find((t) => t.status !== 'started');
    assert.equal(pdfTool.status, 'finished', JSON.stringify(pdfTool));
    const extracted = JSON.parse(pdfTool.result);
    assert.match(extracted.content, /^Uploaded contract text\s*$/);
    assert.equal(extracted.metadata.filename, 'contract.pdf');
    assert.equal(extracted.metadata.page_count, 2);
  } finally {
    await p.stop();
    await up.stop();
  }
});
