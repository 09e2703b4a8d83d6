import { describe, it, expect } from 'vitest';
import { estimateAhead, estimatedHeight, estimateHeight } from './message_height';
import { newAssistant, newHop, type Attachment, type UserMessage } from './thread';

function user(text: string, attachments: Attachment[] = []): UserMessage {
  return { kind: 'user', key: 'u', clientId: null, messageId: 1, text, attachments, createdAt: null };
}

describe('estimateHeight', () => {
  it('grows a user message by its lines, wrapped ones included, and by an attachment row', () => {
    expect(estimateHeight(user('hi'))).toBe(58);
    expect(estimateHeight(user('one\ntwo\nthree'))).toBe(58 + 2 * 22);
    expect(estimateHeight(user('x'.repeat(200)))).toBe(58 + 2 * 22);
    const file: Attachment = { id: 'a', filename: 'p.png', mimeType: 'image/png', sizeBytes: 1, displayUrl: '/x', deliveryUrl: '/x' };
    expect(estimateHeight(user('hi', [file]))).toBe(58 + 150);
  });

  it('adds up an answer hop by hop: text, code blocks, tool calls, reasoning and images', () => {
    const m = newAssistant('a', 'u');
    expect(estimateHeight(m)).toBe(70);
    const hop = newHop();
    hop.text = 'look:\n```js\nx()\n```';
    hop.reasoning = 'thinking';
    hop.images = ['/img'];
    hop.toolCalls = [{ callId: 'c', name: 't', arguments: '{}', status: 'finished', result: null, messageId: null, startedAt: null, durationMs: null, followup: null }];
    m.hops.push(hop, newHop());
    expect(estimateHeight(m)).toBe(70 + 24 * 4 + 40 + 30 + 240 + 40 + 24);
  });

  it('gives the estimate made ahead for a message, and estimates the others when asked', () => {
    const stored = user('one\ntwo');
    estimateAhead([stored]);
    stored.text = 'changed\nafter\nthe\nestimate';
    expect(estimatedHeight(stored)).toBe(58 + 22);
    expect(estimatedHeight(user('one\ntwo\nthree'))).toBe(58 + 2 * 22);
  });
});
