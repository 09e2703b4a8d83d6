import { describe, it, expect } from 'vitest';
import { SseReader } from './sse';
import { deltaText } from './chat';

describe('SseReader', () => {
  it('splits on every blank-line form, ignores comments and joins data lines', () => {
    const text = ': ping 2025-11-08T14:03:27.123Z\n\nevent: session\ndata: {"session_id":"abc"}\n\n' +
      'data: {"choices":[{"delta":{"content":"Hi"}}]}\r\n\r\nevent: notice\ndata: a\ndata: b\r\rdata:  lead\n\nevent: message\ndata: [DONE]\n\n';
    for (let size = 1; size <= text.length; size += 7) {
      const r = new SseReader();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...r.feed(text.slice(i, i + size)));
      events.push(...r.finish());
      expect(events).toEqual([
        { event: 'session', data: '{"session_id":"abc"}' },
        { event: 'message', data: '{"choices":[{"delta":{"content":"Hi"}}]}' },
        { event: 'notice', data: 'a\nb' },
        { event: 'message', data: ' lead' },
        { event: 'message', data: '[DONE]' },
      ]);
    }
  });

  it('keeps a last event without its blank line', () => {
    const r = new SseReader();
    expect(r.feed('data: x')).toEqual([]);
    expect(r.finish()).toEqual([{ event: 'message', data: 'x' }]);
  });
});

describe('deltaText', () => {
  it('reads string and fragment contents and ignores everything else', () => {
    expect(deltaText('{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}')).toBe('ab');
    expect(deltaText('{"choices":[{"delta":{"content":[{"type":"text","text":"x"},{"type":"image_url"}]}}]}')).toBe('x');
    expect(deltaText('{"choices":[],"usage":{}}')).toBeNull();
    expect(deltaText('[DONE]')).toBeNull();
    expect(deltaText('{broken')).toBeNull();
  });
});
