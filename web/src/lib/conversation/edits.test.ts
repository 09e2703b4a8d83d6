import { describe, it, expect, vi, afterEach } from 'vitest';
import { deleteMessages, editPlan, removalPlan, retryPlan } from './edits';
import { newAssistant, newHop, type AssistantMessage, type Attachment, type ThreadMessage, type UserMessage } from '../thread';

const photo: Attachment = { id: 'att1', filename: 'p.png', mimeType: 'image/png', sizeBytes: 3, displayUrl: '/api/files/p', deliveryUrl: '/api/files/p' };

function user(clientId: string | null, messageId: number | null, text: string, attachments: Attachment[] = []): UserMessage {
  return { kind: 'user', key: clientId ?? `u${messageId}`, clientId, messageId, text, attachments, createdAt: null };
}

function answer(clientId: string | null, parent: string | null, rowIds: number[] = []): AssistantMessage {
  const m = newAssistant(clientId, parent);
  for (const id of rowIds) { const hop = newHop(); hop.messageId = id; m.hops.push(hop); }
  m.status = 'done';
  return m;
}

// Two linked turns (client ids) after one turn of older data (row ids only).
const thread: ThreadMessage[] = [
  user(null, 1, 'old question'), answer(null, null, [2, 3]),
  user('user_a', 4, 'first', [photo]), answer('assistant_a', 'user_a', [5]),
  user('user_b', 6, 'second'), answer('assistant_b', 'user_b', [7]),
];

describe('edit, retry and delete plans', () => {
  it('edits a user message by deleting its turn and the later ones, keeping its attachments', () => {
    expect(editPlan(thread, 2, 'first, better')).toEqual({ index: 2, refs: ['user_a', 'user_b'], text: 'first, better', attachments: [photo] });
    expect(editPlan(thread, 3, 'not a user message')).toBeNull();
  });

  it('deletes unlinked answers by their row ids, after the user messages', () => {
    expect(editPlan(thread, 0, 'again')?.refs).toEqual([1, 'user_a', 'user_b', 2, 3]);
  });

  it('retries an answer by sending the user message before it again', () => {
    expect(retryPlan(thread, 5)).toEqual({ index: 4, refs: ['user_b'], text: 'second', attachments: [] });
    expect(retryPlan(thread, 3)).toEqual({ index: 2, refs: ['user_a', 'user_b'], text: 'first', attachments: [photo] });
    expect(retryPlan([answer('assistant_x', null)], 0)).toBeNull();
  });

  it('deletes a user message with its answer, through the cascade or row by row', () => {
    expect(removalPlan(thread, 2)).toEqual({ end: 4, refs: ['user_a'] });
    expect(removalPlan(thread, 0)).toEqual({ end: 2, refs: [1, 2, 3] });
    expect(removalPlan(thread, 5)).toEqual({ end: 6, refs: ['assistant_b'] });
    expect(removalPlan(thread, 1)).toEqual({ end: 2, refs: [2, 3] });
    expect(removalPlan([user('user_z', null, 'alone')], 0)).toEqual({ end: 1, refs: ['user_z'] });
  });
});

describe('deleteMessages', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('deletes one reference after the other, treats 404 as done and stops at another failure', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      urls.push(`${init.method} ${url}`);
      if (url.endsWith('/gone')) return new Response(JSON.stringify({ detail: 'Message not found' }), { status: 404 });
      if (url.endsWith('/broken')) return new Response(JSON.stringify({ detail: 'database is locked' }), { status: 500 });
      return new Response(null, { status: 204 });
    }));
    await deleteMessages('s 1', ['user_a', 'gone', 42]);
    expect(urls).toEqual(['DELETE /api/chat/session/s%201/messages/user_a', 'DELETE /api/chat/session/s%201/messages/gone', 'DELETE /api/chat/session/s%201/messages/42']);
    urls.length = 0;
    await expect(deleteMessages('s', ['broken', 'user_b'])).rejects.toThrow('database is locked');
    expect(urls).toEqual(['DELETE /api/chat/session/s/messages/broken']);
  });
});
