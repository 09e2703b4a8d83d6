import { describe, it, expect, vi, afterEach, beforeEach } from 'vitest';
import { flushSync } from 'svelte';
import { Conversation } from './conversation.svelte';
import { app, onConversationsChanged } from '../app.svelte';
import type { SessionHistory, StoredMessage } from '../api';
import type { AssistantMessage } from '../thread';

// A fake parley behind fetch: stored histories, the chat stream (answers "Echo: <text>", announcing session s-new
// when none was given, or stays open when `hold` is set) and message deletion; every request is recorded.
interface Fake {
  requests: { method: string; url: string; body: unknown }[];
  histories: Map<string, SessionHistory | number>;
  hold: boolean;
  failDeletes: boolean;
}
let fake: Fake;

function sse(blocks: string[], open: boolean, signal: AbortSignal | null | undefined): Response {
  return new Response(new ReadableStream<Uint8Array>({
    start(controller) {
      for (const b of blocks) controller.enqueue(new TextEncoder().encode(b));
      if (!open) controller.close();
      signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  }), { status: 200 });
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  fake = { requests: [], histories: new Map(), hold: false, failDeletes: false };
  app.settings = null;
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET';
    fake.requests.push({ method, url, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const history = /^\/api\/chat\/session\/([^/]+)\/messages$/.exec(url);
    if (method === 'GET' && history) {
      const h = fake.histories.get(decodeURIComponent(history[1]));
      if (h === undefined) return json({ detail: 'Session not found' }, 404);
      return typeof h === 'number' ? json({ detail: 'database is locked' }, h) : json(h);
    }
    if (method === 'POST' && url === '/api/chat/stream') {
      const body = JSON.parse(String(init.body));
      const text = `Echo: ${body.messages[0].content}`;
      const blocks = [
        ...(body.session_id ? [] : ['event: session\ndata: {"session_id":"s-new"}\n\n']),
        `event: message\ndata: ${JSON.stringify({ id: 'gen-1', choices: [{ index: 0, delta: { content: text } }] })}\n\n`,
        ...(fake.hold ? [] : ['event: message\ndata: [DONE]\n\n']),
      ];
      return sse(blocks, fake.hold, init.signal);
    }
    if (method === 'DELETE') return fake.failDeletes ? json({ detail: 'database is locked' }, 500) : new Response(null, { status: 204 });
    return json({ detail: 'Not found' }, 404);
  }));
});
afterEach(() => vi.unstubAllGlobals());

function row(id: number, role: 'user' | 'assistant', content: string, clientId: string, parent: string | null = null): StoredMessage {
  return { message_id: id, role, content, client_message_id: clientId, parent_client_message_id: parent, created_at: 't', created_at_utc: 't' };
}
const stored: SessionHistory = {
  session_id: 's1', title: 'Greetings', created_at: 't', updated_at: 't',
  messages: [row(1, 'user', 'hello', 'user_1'), row(2, 'assistant', 'hi there', 'assistant_1', 'user_1'), row(3, 'user', 'again', 'user_2'), row(4, 'assistant', 'yes?', 'assistant_2', 'user_2')],
};

function make() {
  const started: string[] = [];
  const onNewest = vi.fn();
  const conversation = new Conversation({ onSessionStarted: (id) => started.push(id), onNewest });
  return { conversation, started, onNewest };
}

const texts = (c: Conversation) => c.messages.map((m) => (m.kind === 'user' ? m.text : m.hops.map((h) => h.text).join('')));

describe('Conversation: history', () => {
  it('opens a stored conversation and shows its newest messages', async () => {
    fake.histories.set('s1', stored);
    const { conversation, onNewest } = make();
    conversation.open('s1');
    expect(conversation.loading).toBe(true);
    await vi.waitFor(() => expect(conversation.loading).toBe(false));
    expect(conversation.title).toBe('Greetings');
    expect(texts(conversation)).toEqual(['hello', 'hi there', 'again', 'yes?']);
    expect(onNewest).toHaveBeenCalledTimes(2); // on switching, and once the messages are there
    expect(conversation.loadError).toBe('');
  });

  it('shows an unknown conversation as empty and another failure as an error', async () => {
    const { conversation } = make();
    conversation.open('nowhere');
    await vi.waitFor(() => expect(conversation.loading).toBe(false));
    expect(conversation.loadError).toBe('');
    expect(conversation.messages).toEqual([]);
    fake.histories.set('s2', 500);
    conversation.open('s2');
    await vi.waitFor(() => expect(conversation.loadError).toBe('database is locked'));
  });

  it('drops a history that arrives after the reader moved on', async () => {
    fake.histories.set('s1', stored);
    const { conversation } = make();
    conversation.open('s1');
    conversation.open(null);
    await vi.waitFor(() => expect(conversation.loading).toBe(false));
    expect(conversation.sessionId).toBeNull();
    expect(conversation.messages).toEqual([]);
    expect(conversation.title).toBeNull();
  });
});

describe('Conversation: a turn', () => {
  it('streams an answer into a new chat, takes the announced session and tells the sidebar', async () => {
    const { conversation, started } = make();
    const changed = vi.fn();
    const stopListening = onConversationsChanged(changed);
    conversation.open(null);
    const sending = conversation.send('hello', []);
    expect(conversation.streaming).toBe(true);
    expect(texts(conversation)).toEqual(['hello', '']);
    await sending;
    stopListening();
    expect(texts(conversation)).toEqual(['hello', 'Echo: hello']);
    expect((conversation.messages[1] as AssistantMessage).status).toBe('done');
    expect(conversation.streaming).toBe(false);
    expect(conversation.sessionId).toBe('s-new');
    expect(started).toEqual(['s-new']);
    expect(app.streamingSession).toBeNull();
    expect(changed).toHaveBeenCalledTimes(1);
    // The next turn continues that conversation.
    await conversation.send('more', []);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { session_id?: string }).session_id)).toEqual([undefined, 's-new']);
  });

  it('makes the streaming answer reactive, so the view re-renders as it grows', async () => {
    fake.hold = true;
    const { conversation } = make();
    conversation.open(null);
    const sending = conversation.send('hello', []);
    const seen: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => { const m = conversation.messages[1]; if (m?.kind === 'assistant') seen.push(m.hops[0]?.text ?? ''); });
    });
    flushSync();
    await vi.waitFor(() => { flushSync(); expect(seen.at(-1)).toBe('Echo: hello'); });
    conversation.stop();
    await sending;
    stop();
    expect(seen[0]).toBe('');
  });

  it('stops a streaming answer, keeping what arrived', async () => {
    fake.hold = true;
    const { conversation } = make();
    conversation.open(null);
    const sending = conversation.send('hello', []);
    await vi.waitFor(() => expect(texts(conversation)[1]).toBe('Echo: hello'));
    expect(app.streamingSession).toBe('s-new');
    conversation.stop();
    expect(conversation.streaming).toBe(false);
    expect((conversation.messages[1] as AssistantMessage).status).toBe('stopped');
    await sending;
    expect(texts(conversation)).toEqual(['hello', 'Echo: hello']);
  });

  it('sends nothing while a turn is streaming or for an empty message', async () => {
    fake.hold = true;
    const { conversation } = make();
    conversation.open(null);
    await conversation.send('', []);
    expect(conversation.messages).toEqual([]);
    const sending = conversation.send('one', []);
    await conversation.send('two', []);
    expect(texts(conversation)).toEqual(['one', '']);
    conversation.stop();
    await sending;
  });

  it('gives a new chat an id of its own before the first turn when asked (uploads need one)', () => {
    const { conversation, started } = make();
    conversation.open(null);
    const id = conversation.ensureSession();
    expect(id).toMatch(/^session_[0-9a-f]{32}$/);
    expect(conversation.ensureSession()).toBe(id);
    expect(started).toEqual([id]);
  });
});

describe('Conversation: edit, retry and delete', () => {
  async function opened() {
    fake.histories.set('s1', stored);
    const made = make();
    made.conversation.open('s1');
    await vi.waitFor(() => expect(made.conversation.messages).toHaveLength(4));
    return made;
  }
  const deletes = () => fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.url);

  it('deletes a user message with its answer', async () => {
    const { conversation } = await opened();
    await conversation.remove(conversation.messages[0]);
    expect(deletes()).toEqual(['/api/chat/session/s1/messages/user_1']);
    expect(texts(conversation)).toEqual(['again', 'yes?']);
  });

  it('edits a message: its turn and the later ones are deleted, the new text is sent', async () => {
    const { conversation } = await opened();
    await conversation.edit(conversation.messages[0], 'hello, edited');
    expect(deletes()).toEqual(['/api/chat/session/s1/messages/user_1', '/api/chat/session/s1/messages/user_2']);
    expect(texts(conversation)).toEqual(['hello, edited', 'Echo: hello, edited']);
  });

  it('retries an answer by sending its question again', async () => {
    const { conversation } = await opened();
    await conversation.retry(conversation.messages[3]);
    expect(deletes()).toEqual(['/api/chat/session/s1/messages/user_2']);
    expect(texts(conversation)).toEqual(['hello', 'hi there', 'again', 'Echo: again']);
  });

  it('keeps the messages and says so when the server does not delete them', async () => {
    const { conversation } = await opened();
    fake.failDeletes = true;
    await conversation.retry(conversation.messages[3]);
    expect(conversation.actionError).toBe('Could not delete the old messages: database is locked');
    await conversation.remove(conversation.messages[0]);
    expect(conversation.actionError).toBe('Could not delete: database is locked');
    expect(texts(conversation)).toEqual(['hello', 'hi there', 'again', 'yes?']);
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('deleting the answer being streamed stops it first', async () => {
    const { conversation } = await opened();
    fake.hold = true;
    const sending = conversation.send('third', []);
    await vi.waitFor(() => expect(texts(conversation)[5]).toBe('Echo: third'));
    const reply = conversation.messages[5];
    await conversation.remove(reply);
    await sending;
    expect(conversation.streaming).toBe(false);
    expect((reply as AssistantMessage).status).toBe('stopped');
    expect(texts(conversation)).toEqual(['hello', 'hi there', 'again', 'yes?', 'third']);
  });
});
