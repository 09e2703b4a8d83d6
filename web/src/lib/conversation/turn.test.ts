import { describe, it, expect, vi, afterEach } from 'vitest';
import { runTurn, turnRequest, type TurnInput } from './turn';
import { newAssistant, type Attachment } from '../thread';

afterEach(() => vi.unstubAllGlobals());

const base: TurnInput = { sessionId: null, model: null, text: 'hi', attachments: [], userClientId: 'user_1', assistantClientId: 'assistant_1' };
const photo: Attachment = { id: 'att1', filename: 'p.png', mimeType: 'image/png', sizeBytes: 3, displayUrl: '/api/files/d', deliveryUrl: '/api/files/u', sessionId: 's1', uploadedAt: 't' };

describe('turnRequest', () => {
  it('sends plain text, and the session and model only when known', () => {
    expect(turnRequest(base)).toEqual({
      messages: [{ role: 'user', content: 'hi', client_message_id: 'user_1' }],
      metadata: { client_assistant_message_id: 'assistant_1', client_parent_message_id: 'user_1' },
    });
    const r = turnRequest({ ...base, sessionId: 's1', model: 'a/b' });
    expect(r.session_id).toBe('s1');
    expect(r.model).toBe('a/b');
  });

  it('adds the web plugin and search options when web search is on (api.md §3.1)', () => {
    expect(turnRequest({ ...base, webSearch: { enabled: false, contextSize: 'high', maxResults: 3 } })).not.toHaveProperty('plugins');
    const r = turnRequest({ ...base, webSearch: { enabled: true, contextSize: 'low', maxResults: 10 } });
    expect(r.plugins).toEqual([{ id: 'web', max_results: 10 }]);
    expect(r.web_search_options).toEqual({ search_context_size: 'low' });
  });

  it('sends attachments as fragments after the text', () => {
    const content = turnRequest({ ...base, attachments: [photo] }).messages[0].content;
    expect(content).toEqual([
      { type: 'text', text: 'hi' },
      { type: 'image_url', image_url: { url: '/api/files/u' }, metadata: expect.objectContaining({ attachment_id: 'att1', display_url: '/api/files/d', session_id: 's1' }) },
    ]);
    expect(turnRequest({ ...base, text: '', attachments: [photo] }).messages[0].content).toHaveLength(1);
  });
});

/** A fetch that answers with an SSE body: the given blocks, then either the end or (open) nothing until aborted. */
function streamingFetch(blocks: string[], open = false) {
  return vi.fn(async (_url: string, init: RequestInit) => new Response(new ReadableStream<Uint8Array>({
    start(controller) {
      for (const b of blocks) controller.enqueue(new TextEncoder().encode(b));
      if (!open) controller.close();
      init.signal?.addEventListener('abort', () => controller.error(new DOMException('The operation was aborted.', 'AbortError')));
    },
  }), { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
}

const chunk = (text: string) => `event: message\ndata: ${JSON.stringify({ id: 'gen-1', model: 'a/b', choices: [{ index: 0, delta: { content: text } }] })}\n\n`;

describe('runTurn', () => {
  it('streams the answer into the reply and reports the session', async () => {
    const fetchMock = streamingFetch(['event: session\ndata: {"session_id":"s9"}\n\n', chunk('Hel'), chunk('lo'), 'event: message\ndata: [DONE]\n\n']);
    vi.stubGlobal('fetch', fetchMock);
    const reply = newAssistant('assistant_1', 'user_1');
    const sessions: string[] = [];
    await runTurn(reply, turnRequest(base), new AbortController().signal, (id) => sessions.push(id));
    expect(sessions).toEqual(['s9']);
    expect(reply.hops.map((h) => h.text)).toEqual(['Hello']);
    expect(reply.status).toBe('done');
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/chat/stream');
    expect(JSON.parse(String(init.body)).messages[0].content).toBe('hi');
  });

  it('settles a stream that ends without [DONE]', async () => {
    vi.stubGlobal('fetch', streamingFetch([chunk('partial')]));
    const reply = newAssistant('assistant_1', 'user_1');
    await runTurn(reply, turnRequest(base), new AbortController().signal, () => {});
    expect(reply.status).toBe('done');
    expect(reply.hops[0].closed).toBe(true);
  });

  it('marks the reply stopped when the turn is aborted mid-stream', async () => {
    vi.stubGlobal('fetch', streamingFetch([chunk('Half an ans')], true));
    const reply = newAssistant('assistant_1', 'user_1');
    const turn = new AbortController();
    const done = runTurn(reply, turnRequest(base), turn.signal, () => {});
    await vi.waitFor(() => expect(reply.hops[0]?.text).toBe('Half an ans'));
    turn.abort();
    await done;
    expect(reply.status).toBe('stopped');
    expect(reply.error).toBeNull();
  });

  it('turns a refused request into a retryable error on the reply', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ detail: 'No API key configured' }), { status: 503 })));
    const reply = newAssistant('assistant_1', 'user_1');
    await runTurn(reply, turnRequest(base), new AbortController().signal, () => {});
    expect(reply.status).toBe('error');
    expect(reply.error).toEqual({ message: 'No API key configured', status: 503, code: null, retryable: true });
  });

  it('keeps the error the stream itself reported', async () => {
    const error = 'event: error\ndata: {"message":"Upstream timed out","status":504,"code":"timeout","retryable":true}\n\n';
    vi.stubGlobal('fetch', streamingFetch([chunk('So'), error, 'event: message\ndata: [DONE]\n\n']));
    const reply = newAssistant('assistant_1', 'user_1');
    await runTurn(reply, turnRequest(base), new AbortController().signal, () => {});
    expect(reply.status).toBe('error');
    expect(reply.error?.message).toBe('Upstream timed out');
    expect(reply.hops[0].text).toBe('So');
  });
});
