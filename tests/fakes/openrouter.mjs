// A fake OpenAI-compatible / OpenRouter upstream for parley's tests and benchmarks, written from the documented
// wire format (chat.completions streaming chunks, usage-only final chunk, ": OPENROUTER PROCESSING" comments,
// error bodies, /models and /generation). It can misbehave on request: HTTP errors, 429 with Retry-After,
// in-band error chunks, a dropped connection mid-event, a stall, a slow drip, malformed data, an oversized event.
//
// Usage: node tests/fakes/openrouter.mjs [--port N]   → prints "fake-openrouter listening on http://127.0.0.1:N"
// Scenarios are queued with POST /__control/script (JSON array of scenario objects, used in order, one per chat
// request; when the queue is empty the default scenario answers) or chosen per request by a body key
// "fake_scenario" (parley forwards unknown keys upstream). GET /__control/requests lists what was received
// (method, path, headers, body); GET /__control/closed counts chat connections the client closed before the end;
// GET /__control/sent gives the exact data payloads of the latest chat response, in order.
// GET /__control/wait?closed_early=N&finished=N&requests=N&timeout_ms=T answers (like /__control/closed, plus
// `requests`) as soon as every given count has reached its N, so a test waits for the event itself; 408 with
// the counts when timeout_ms (default 10000) passes first.
//
// Generated images (OpenRouter's documented shapes): a scenario's `deltas` are extra delta objects sent as their
// own chunks after `content` (e.g. {content:'', images:[{type:'image_url',image_url:{url:'data:image/png;base64,…'}}]}
// or {content:[{type:'text',text:'…'},{type:'image_url',image_url:{url:'https://…'}}]}); `final_message` is put
// as choices[0].message into the finish chunk; data:image URIs in text are plain `content` pieces.
//
// Web search (OpenRouter's web plugin, https://openrouter.ai/docs/features/web-search): a scenario's
// `annotations` (or, with `web_search: true`, sources made up from the request's plugins[0].max_results) are sent
// the way OpenRouter streams them: `delta.annotations`, a list of {type:"url_citation", url_citation:{url, title,
// content, start_index, end_index}}, in a chunk of their own after the text and before the finish chunk.
import http from 'node:http';

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1] || 0) || 0;
const state = { script: [], requests: [], closedEarly: 0, finished: 0, generations: new Map(), sent: [] };

export const defaultModels = [
  {
    id: 'openai/gpt-4o-mini', name: 'OpenAI: GPT-4o Mini', created: 1721260800, description: 'Small and fast.',
    context_length: 128000, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'], tokenizer: 'GPT' },
    pricing: { prompt: '0.00000015', completion: '0.0000006' }, top_provider: { context_length: 128000, is_moderated: true },
    supported_parameters: ['tools', 'tool_choice', 'temperature', 'top_p', 'max_tokens', 'response_format'],
  },
  {
    id: 'anthropic/claude-3.5-sonnet', name: 'Anthropic: Claude 3.5 Sonnet', created: 1718841600,
    context_length: 200000.0, architecture: { input_modalities: ['text', 'image', 'file'], output_modalities: ['text'] },
    pricing: { prompt: '0.000003', completion: '0.000015' }, supported_parameters: ['tools', 'reasoning', 'temperature'],
  },
  {
    id: 'meta-llama/llama-3-8b-instruct', name: 'Meta: Llama 3 8B Instruct', created: 1713398400, context_length: 8192,
    architecture: { input_modalities: ['text'], output_modalities: ['text'] }, pricing: { prompt: '0.00000003', completion: '0.00000006' },
    supported_parameters: ['temperature', 'top_p', 'stop'],
  },
  {
    id: 'google/gemini-2.5-flash-image', name: 'Google: Gemini 2.5 Flash Image', created: 1756000000, context_length: 32768,
    architecture: { input_modalities: ['image', 'text'], output_modalities: ['image', 'text'] }, pricing: { prompt: 'free' },
    capabilities: { tools: false },
  },
];
let models = defaultModels;
// GET /providers and GET /models/{author}/{slug}/endpoints (api.md §2.12), in OpenRouter's documented shapes;
// a status instead of a list makes the route fail with an error body.
export const defaultProviders = [{ name: 'OpenAI', slug: 'openai', privacy_policy_url: null }, { name: 'Anthropic', slug: 'anthropic', privacy_policy_url: null }];
let providers = defaultProviders;
let endpoints = {}; // model id -> endpoints array, or a number (HTTP status)

function chunk(id, model, delta, finish = null, extra = {}) {
  return { id, provider: 'FakeProvider', model, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000),
    choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }], ...extra };
}

// The events of a scenario, as [kind, payload] pairs: ['data', obj|string], ['comment', text], ['raw', text].
function buildEvents(sc, body) {
  const id = sc.id ?? `gen-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const model = sc.model ?? body?.model ?? 'openai/gpt-4o-mini';
  const ev = [['comment', ': OPENROUTER PROCESSING']];
  ev.push(['data', chunk(id, model, { role: 'assistant', content: '' })]);
  for (const r of sc.reasoning ?? []) ev.push(['data', chunk(id, model, { role: 'assistant', content: '', reasoning: r, reasoning_details: [{ type: 'reasoning.text', text: r }] })]);
  for (const piece of sc.content ?? []) ev.push(['data', chunk(id, model, { role: 'assistant', content: piece })]);
  for (const delta of sc.deltas ?? []) ev.push(['data', chunk(id, model, { role: 'assistant', ...delta })]);
  const annotations = sc.annotations ?? (sc.web_search ? madeUpCitations(body) : null);
  if (annotations) ev.push(['data', chunk(id, model, { role: 'assistant', content: '', annotations })]);
  for (const frag of sc.tool_fragments ?? []) ev.push(['data', chunk(id, model, { role: 'assistant', content: null, tool_calls: [frag] })]);
  // One event of about this many bytes (a chunk padded with a long string), e.g. past a client's event size cap.
  if (sc.oversized_event_bytes) ev.push(['raw', `data: ${JSON.stringify(chunk(id, model, { role: 'assistant', content: '' }, null, { pad: 'x'.repeat(sc.oversized_event_bytes) }))}\n\n`]);
  if (sc.in_band_error) {
    ev.push(['data', { id, object: 'chat.completion.chunk', created: 0, model, provider: 'FakeProvider', error: sc.in_band_error,
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] }]);
    return { id, events: ev };
  }
  if (sc.drop_after !== undefined) return { id, events: ev.slice(0, sc.drop_after + 1), drop: true };
  const finish = sc.finish_reason ?? (sc.tool_fragments?.length ? 'tool_calls' : 'stop');
  const finishChunk = chunk(id, model, {}, finish);
  if (sc.final_message) finishChunk.choices[0].message = sc.final_message;
  ev.push(['data', finishChunk]);
  ev.push(['data', { id, provider: 'FakeProvider', model, object: 'chat.completion.chunk', created: 0, choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, cost: 0.0000123 } }]);
  for (const raw of sc.raw_after ?? []) ev.push(['raw', raw]);
  if (!sc.no_done) ev.push(['data', '[DONE]']);
  return { id, events: ev };
}

export function urlCitation(url, title, content = '', start = 0, end = 0) {
  return { type: 'url_citation', url_citation: { url, title, content, start_index: start, end_index: end } };
}

// As many sources as the web plugin asked for (default 5), when the request carries it.
function madeUpCitations(body) {
  const web = Array.isArray(body?.plugins) ? body.plugins.find((p) => p?.id === 'web') : null;
  if (!web) return null;
  const n = Math.min(25, Math.max(1, Number(web.max_results) || 5));
  return Array.from({ length: n }, (_, i) => urlCitation(`https://source${i + 1}.example/page`, `Source ${i + 1}`, `Excerpt ${i + 1} of the page.`, 0, 10));
}

function frame([kind, payload]) {
  if (kind === 'comment') return `${payload}\n\n`;
  if (kind === 'raw') return payload;
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const counts = () => ({ closed_early: state.closedEarly, finished: state.finished, closed_at: state.closedAt ?? null, requests: state.requests.length });
// Long-polls of /__control/wait: each is checked again whenever a count changes.
let waiters = [];
function countsChanged() {
  waiters = waiters.filter((w) => !w());
}
function waitForCounts(query, res) {
  const wanted = ['closed_early', 'finished', 'requests'].filter((k) => query.has(k)).map((k) => [k, Number(query.get(k))]);
  const reached = () => wanted.every(([k, n]) => counts()[k] >= n);
  const timer = setTimeout(() => {
    waiters = waiters.filter((w) => w !== waiter);
    res.statusCode = 408;
    res.end(JSON.stringify(counts()));
  }, Number(query.get('timeout_ms') ?? 10000));
  const waiter = () => {
    if (!reached()) return false;
    clearTimeout(timer);
    res.end(JSON.stringify(counts()));
    return true;
  };
  if (!waiter()) waiters.push(waiter);
}

async function handleChat(req, res, body) {
  const sc = state.script.length ? state.script.shift() : (body?.fake_scenario ?? state.defaultScenario ?? { content: ['Hello', ' from', ' the fake.'] });
  if (sc.status) {
    const headers = { 'Content-Type': 'application/json' };
    if (sc.retry_after) headers['Retry-After'] = String(sc.retry_after);
    res.writeHead(sc.status, headers);
    // echo_authorization: a provider that quotes the key it was given in its error (as some do: "Incorrect
    // API key provided: sk-…").
    const echoed = sc.echo_authorization ? ` Incorrect API key provided: ${(req.headers.authorization ?? '').replace(/^Bearer /, '')}` : '';
    res.end(sc.error_body !== undefined ? (typeof sc.error_body === 'string' ? sc.error_body : JSON.stringify(sc.error_body))
      : JSON.stringify({ error: { code: sc.status, message: (sc.message ?? `Fake error ${sc.status}`) + echoed } }));
    return;
  }
  if (sc.stall_ms) await sleep(sc.stall_ms);
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Request-Id': 'fake-req-1',
    'OpenRouter-Provider': 'FakeProvider' });
  const { id, events, drop } = buildEvents(sc, body);
  state.sent = events.filter(([kind]) => kind === 'data').map(([, payload]) => (typeof payload === 'string' ? payload : JSON.stringify(payload)));
  state.generations.set(id, { id, model: body?.model, total_cost: 0.0000123, tokens_prompt: 12, tokens_completion: 7, created_at: new Date().toISOString() });
  let closed = false;
  res.on('close', () => { if (!res.writableFinished) { closed = true; state.closedEarly++; state.closedAt = Date.now(); countsChanged(); } });
  const split = sc.split_bytes ?? 0;
  for (const e of events) {
    if (closed) return;
    const text = frame(e);
    if (split > 0) {
      for (let i = 0; i < text.length && !closed; i += split) { res.write(text.slice(i, i + split)); await sleep(1); }
    } else {
      res.write(text);
    }
    if (sc.delay_ms) await sleep(sc.delay_ms);
  }
  if (drop) {
    // Half an event, then the connection dies once those bytes are on their way.
    res.write('data: {"id":"', () => res.socket.destroy());
    return;
  }
  if (sc.hang_after) { await sleep(sc.hang_after); }
  state.finished++;
  countsChanged();
  res.end();
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  let body = null;
  try { body = raw ? JSON.parse(raw) : null; } catch { body = null; }
  const url = new URL(req.url, 'http://x');
  const path = url.pathname.replace(/^\/api\/v1/, '').replace(/^\/v1/, '');
  if (path.startsWith('/__control/')) {
    res.setHeader('Content-Type', 'application/json');
    if (path === '/__control/script' && req.method === 'POST') { state.script.push(...(Array.isArray(body) ? body : [body])); return res.end('{}'); }
    if (path === '/__control/models' && req.method === 'POST') { models = body; return res.end('{}'); }
    // The scenario of every request without a script entry or a fake_scenario of its own (a benchmark's
    // thousands of streams then send plain chat requests).
    if (path === '/__control/default_scenario' && req.method === 'POST') { state.defaultScenario = body ?? undefined; return res.end('{}'); }
    if (path === '/__control/requests') return res.end(JSON.stringify(state.requests));
    if (path === '/__control/sent') return res.end(JSON.stringify(state.sent));
    if (path === '/__control/closed') return res.end(JSON.stringify({ closed_early: state.closedEarly, finished: state.finished, closed_at: state.closedAt ?? null }));
    if (path === '/__control/wait') return waitForCounts(url.searchParams, res);
    if (path === '/__control/providers' && req.method === 'POST') { providers = body; return res.end('{}'); }
    if (path === '/__control/endpoints' && req.method === 'POST') { endpoints = body; return res.end('{}'); }
    if (path === '/__control/reset') { state.script = []; state.defaultScenario = undefined; state.requests = []; state.closedEarly = 0; state.finished = 0; models = defaultModels; providers = defaultProviders; endpoints = {}; return res.end('{}'); }
    res.statusCode = 404; return res.end('{}');
  }
  state.requests.push({ method: req.method, path, query: url.search, headers: req.headers, body });
  countsChanged();
  if (path === '/chat/completions' && req.method === 'POST') return handleChat(req, res, body);
  if (path === '/models' && req.method === 'GET') {
    if (state.script[0]?.models_status) {
      const s = state.script.shift();
      const echoed = s.echo_authorization ? ` for key ${(req.headers.authorization ?? '').replace(/^Bearer /, '')}` : '';
      res.writeHead(s.models_status, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: `models down${echoed}` } }));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ data: models }));
  }
  if (path === '/providers' && req.method === 'GET') {
    if (typeof providers === 'number') { res.writeHead(providers, { 'Content-Type': 'application/json' }); return res.end('{"error":{"message":"providers down"}}'); }
    if (providers === 'malformed') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end('{"data":[{"name":'); }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ data: providers }));
  }
  const ep = path.match(/^\/models\/([^/]+)\/([^/]+)\/endpoints$/);
  if (ep && req.method === 'GET') {
    const id = `${decodeURIComponent(ep[1])}/${decodeURIComponent(ep[2])}`;
    const list = endpoints[id];
    if (list === undefined || typeof list === 'number') {
      res.writeHead(list ?? 404, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: list ?? 404, message: 'No endpoints found' } }));
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ data: { id, name: id, architecture: {}, endpoints: list } }));
  }
  if (path === '/generation' && req.method === 'GET') {
    if (url.searchParams.get('id') === 'echo-key') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 401, message: `bad key ${(req.headers.authorization ?? '').replace(/^Bearer /, '')}` } }));
    }
    const g = state.generations.get(url.searchParams.get('id'));
    res.writeHead(g ? 200 : 404, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(g ? { data: g } : { error: { code: 404, message: 'Generation not found' } }));
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 404, message: 'Not found' } }));
});
server.keepAliveTimeout = 60000;
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
  console.log(`fake-openrouter listening on http://127.0.0.1:${server.address().port}`);
});
