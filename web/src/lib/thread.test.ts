import { describe, it, expect } from 'vitest';
import { SseReader } from './sse';
import { applyEvent, deletionRefs, finishStream, newAssistant, threadFromHistory, totals, type AssistantMessage, type UserMessage } from './thread';
import type { StoredMessage } from './api';

// Example streams of api.md §3.10, byte for byte where the spec gives them.
const streamA = `event: session
data: {"session_id":"9f1c2e7b4a6d4e0f8b3a2c1d0e9f8a7b"}

event: message
data: {"id":"gen-1762610592-aB3dE","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1762610592,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

event: message
data: {"id":"gen-1762610592-aB3dE","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1762610592,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello! How can I help?"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

event: message
data: {"id":"gen-1762610592-aB3dE","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1762610592,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}

event: message
data: {"id":"gen-1762610592-aB3dE","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1762610592,"choices":[],"usage":{"prompt_tokens":181,"completion_tokens":7,"total_tokens":188,"cost":0.0000314}}

event: metadata
data: {"role":"assistant","finish_reason":"stop","model":"openai/gpt-4o-mini","usage":{"prompt_tokens":181,"completion_tokens":7,"total_tokens":188,"cost":0.0000314},"routing":null,"meta":null,"generation_id":"gen-1762610592-aB3dE","reasoning":null,"tool_calls":null,"client_message_id":"assistant_5d0c8e2f9b7a4c1e8f6d3b2a1c0e9d8f","message_id":3,"created_at":"2025-11-08T09:03:12-05:00","created_at_utc":"2025-11-08T14:03:12+00:00"}

event: message
data: [DONE]

`;

const streamB = `event: message
data: {"id":"gen-X","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Q1w2E3","type":"function","function":{"name":"calculator_evaluate","arguments":""}}]},"finish_reason":null}]}

event: message
data: {"id":"gen-X","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"operation\\":\\"multiply\\",\\"a\\":6,\\"b\\":7}"}}]},"finish_reason":null}]}

event: message
data: {"id":"gen-X","choices":[{"index":0,"delta":{"content":""},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":412,"completion_tokens":21,"total_tokens":433,"cost":0.0000744}}

event: metadata
data: {"role":"assistant","finish_reason":"tool_calls","model":"openai/gpt-4o-mini","usage":{"prompt_tokens":412,"completion_tokens":21,"total_tokens":433,"cost":0.0000744},"routing":null,"meta":null,"generation_id":"gen-X","reasoning":null,"tool_calls":[{"id":"call_Q1w2E3","type":"function","function":{"name":"calculator_evaluate","arguments":"{\\"operation\\":\\"multiply\\",\\"a\\":6,\\"b\\":7}"}}],"client_message_id":"assistant_0a1b","message_id":12,"created_at":"2025-11-08T09:04:01-05:00","created_at_utc":"2025-11-08T14:04:01+00:00"}

event: tool
data: {"status":"started","name":"calculator_evaluate","call_id":"call_Q1w2E3"}

event: tool
data: {"status":"finished","name":"calculator_evaluate","call_id":"call_Q1w2E3","result":"42","message_id":13,"created_at":"2025-11-08T09:04:01-05:00","created_at_utc":"2025-11-08T14:04:01+00:00"}

: ping 2025-11-08T14:04:15.002Z

event: message
data: {"id":"gen-Y","choices":[{"index":0,"delta":{"role":"assistant","content":"6 × 7 = 42."},"finish_reason":null}]}

event: message
data: {"id":"gen-Y","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":450,"completion_tokens":9,"total_tokens":459,"cost":0.0000729}}

event: metadata
data: {"role":"assistant","finish_reason":"stop","model":"openai/gpt-4o-mini","usage":{"prompt_tokens":450,"completion_tokens":9,"total_tokens":459,"cost":0.0000729},"routing":null,"meta":null,"generation_id":"gen-Y","reasoning":null,"tool_calls":null,"client_message_id":"assistant_0a1b","message_id":14,"created_at":"2025-11-08T09:04:16-05:00","created_at_utc":"2025-11-08T14:04:16+00:00"}

event: message
data: [DONE]

`;

const streamC = `event: session
data: {"session_id":"0b6f3c2d1e0f4a5b9c8d7e6f5a4b3c2d"}

event: metadata
data: {"role":"assistant","finish_reason":"error","model":null,"usage":null,"routing":null,"meta":null,"generation_id":null,"reasoning":null,"tool_calls":null,"client_message_id":"assistant_77aa","message_id":3,"created_at":"2025-11-08T09:05:00-05:00","created_at_utc":"2025-11-08T14:05:00+00:00"}

event: error
data: {"message":"openai/gpt-99 is not a valid model ID","status":400,"code":400,"retryable":false}

event: message
data: {"choices":[{"delta":{"content":"Error: {\\"message\\":\\"openai/gpt-99 is not a valid model ID\\",\\"code\\":400}"}}]}

event: message
data: [DONE]

`;

function play(text: string, m: AssistantMessage, clock: () => number = () => 0) {
  const r = new SseReader();
  const results = [];
  for (let i = 0; i < text.length; i += 17) for (const e of r.feed(text.slice(i, i + 17))) results.push(applyEvent(m, e, clock()));
  for (const e of r.finish()) results.push(applyEvent(m, e, clock()));
  return results;
}

describe('applyEvent', () => {
  it('stream A: a plain answer with a session, usage and the stored row id', () => {
    const m = newAssistant('assistant_5d0c8e2f9b7a4c1e8f6d3b2a1c0e9d8f', 'user_1');
    const results = play(streamA, m);
    expect(results.find((r) => r.sessionId)?.sessionId).toBe('9f1c2e7b4a6d4e0f8b3a2c1d0e9f8a7b');
    expect(results.at(-1)).toEqual({ done: true });
    expect(m.hops).toHaveLength(1);
    expect(m.hops[0].text).toBe('Hello! How can I help?');
    expect(m.hops[0].messageId).toBe(3);
    expect(m.hops[0].generationId).toBe('gen-1762610592-aB3dE');
    expect(m.status).toBe('done');
    expect(totals(m)).toEqual({ prompt: 181, completion: 7, total: 188, cost: 0.0000314 });
  });

  it('stream B: a tool call card with arguments, result and duration, then the second hop', () => {
    const m = newAssistant('assistant_0a1b', 'user_2');
    let t = 1000;
    play(streamB, m, () => (t += 5));
    expect(m.hops).toHaveLength(2);
    const [call] = m.hops[0].toolCalls;
    expect(call.name).toBe('calculator_evaluate');
    expect(JSON.parse(call.arguments)).toEqual({ operation: 'multiply', a: 6, b: 7 });
    expect(call.status).toBe('finished');
    expect(call.result).toBe('42');
    expect(call.messageId).toBe(13);
    expect(call.durationMs).toBeGreaterThan(0);
    expect(m.hops[1].text).toBe('6 × 7 = 42.');
    expect(m.hops[1].messageId).toBe(14);
    const sum = totals(m);
    expect(sum.total).toBe(433 + 459);
    expect(sum.cost).toBeCloseTo(0.0000744 + 0.0000729, 12);
  });

  it('stream C: the error event is shown once, not repeated by the compatibility chunk', () => {
    const m = newAssistant('assistant_77aa', 'user_3');
    play(streamC, m);
    expect(m.status).toBe('error');
    expect(m.error).toEqual({ message: 'openai/gpt-99 is not a valid model ID', status: 400, code: 400, retryable: false });
    expect(m.hops.map((h) => h.text).join('')).toBe('');
    expect(m.hops[0].messageId).toBe(3);
  });

  it('collects streamed reasoning, citations that meta:null must not wipe, and system tool notices', () => {
    const m = newAssistant('a', 'u');
    const ev = (event: string, data: unknown) => applyEvent(m, { event, data: typeof data === 'string' ? data : JSON.stringify(data) });
    ev('message', { id: 'g', choices: [{ delta: { reasoning: 'Think ' } }] });
    ev('message', { id: 'g', choices: [{ delta: { reasoning: 'hard.', annotations: [{ type: 'url_citation', url_citation: { url: 'https://a.example', title: 'A' } }] } }] });
    ev('tool', { status: 'notice', name: 'system', message: 'Tools unavailable for this model; continuing without them.' });
    ev('message', { id: 'g', choices: [{ delta: { content: 'Answer' }, finish_reason: 'stop' }] });
    ev('metadata', { role: 'assistant', finish_reason: 'stop', model: 'm', usage: null, routing: null, meta: null, generation_id: 'g', reasoning: [{ text: 'Think hard.' }], tool_calls: null, message_id: 9 });
    expect(m.hops[0].reasoning).toBe('Think hard.');
    expect(m.citations).toEqual([{ url: 'https://a.example', title: 'A' }]);
    expect(m.notices).toEqual(['Tools unavailable for this model; continuing without them.']);
  });

  it('a stopped stream marks running tools and the message as stopped', () => {
    const m = newAssistant('a', 'u');
    applyEvent(m, { event: 'message', data: JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'slow', arguments: '{}' } }] } }] }) });
    applyEvent(m, { event: 'tool', data: JSON.stringify({ status: 'started', name: 'slow', call_id: 'c1' }) });
    finishStream(m, true);
    expect(m.status).toBe('stopped');
    expect(m.hops[0].toolCalls[0].status).toBe('error');
  });

  it('puts questions of the turn on their tool call and closes them', () => {
    const m = newAssistant('a', 'u');
    const ev = (event: string, data: unknown) => applyEvent(m, { event, data: JSON.stringify(data) });
    ev('tool', { status: 'started', name: 'ask_user', call_id: 'c1' });
    ev('elicitation', { id: 'q1', status: 'open', call_id: 'c1', name: 'ask_user', server: 'fake', message: 'Colour?',
      requested_schema: { type: 'object', properties: { colour: { type: 'string', enum: ['red'] } } }, timeout_ms: 108000 });
    const q = m.hops[0].toolCalls[0].question!;
    expect(q).toMatchObject({ id: 'q1', kind: 'elicitation', server: 'fake', message: 'Colour?', status: 'open', timeoutMs: 108000 });
    ev('elicitation', { id: 'q1', status: 'closed', outcome: 'timeout' });
    expect(m.hops[0].toolCalls[0].question).toMatchObject({ status: 'closed', outcome: 'timeout' });
    // An approval for a call the stream had not shown yet opens its card; junk does not throw.
    ev('tool_approval', { id: 'q2', status: 'open', call_id: 'c2', name: 'wipe', arguments: { target: 'disk' } });
    expect(m.hops[0].toolCalls[1]).toMatchObject({ callId: 'c2', name: 'wipe', question: { kind: 'tool_approval', arguments: { target: 'disk' } } });
    applyEvent(m, { event: 'tool_approval', data: 'not json' });
    ev('elicitation', { status: 'closed', id: 'unknown' });
    expect(m.hops[0].toolCalls).toHaveLength(2);
  });

  it('keeps a URL-mode elicitation as a link question; a form stays a form', () => {
    const m = newAssistant('a', 'u');
    const ev = (event: string, data: unknown) => applyEvent(m, { event, data: JSON.stringify(data) });
    ev('tool', { status: 'started', name: 'sign_in', call_id: 'c1' });
    ev('elicitation', { id: 'q1', status: 'open', call_id: 'c1', name: 'sign_in', server: 'remote', mode: 'url',
      message: 'Sign in', url: 'https://login.example.com/start?x=1', elicitation_id: 'e1', timeout_ms: 5000 });
    expect(m.hops[0].toolCalls[0].question).toMatchObject({ kind: 'elicitation', mode: 'url', url: 'https://login.example.com/start?x=1', schema: {} });
    ev('tool', { status: 'started', name: 'ask', call_id: 'c2' });
    ev('elicitation', { id: 'q2', status: 'open', call_id: 'c2', name: 'ask', server: 'remote', mode: 'bogus', url: 7,
      requested_schema: { type: 'object', properties: {} } });
    expect(m.hops[0].toolCalls[1].question).toMatchObject({ mode: 'form', url: '' });
  });

  it('attaches follow-up notices to their tool call', () => {
    const m = newAssistant('a', 'u');
    applyEvent(m, { event: 'metadata', data: JSON.stringify({ finish_reason: 'tool_calls', tool_calls: [{ id: 'c', type: 'function', function: { name: 'cal', arguments: '{}' } }], message_id: 1 }) });
    applyEvent(m, { event: 'tool', data: JSON.stringify({ status: 'finished', name: 'cal', call_id: 'c', result: 'No events found', message_id: 2 }) });
    applyEvent(m, { event: 'notice', data: JSON.stringify({ type: 'tool_followup_required', tool: 'cal', reason: 'no_results', message: 'No events found', attempt: 0, confirmation_required: true }) });
    expect(m.hops[0].toolCalls[0].followup).toBe('Needs follow-up: no results');
  });
});

describe('threadFromHistory', () => {
  const base = { created_at: '2025-11-08T09:04:01-05:00', created_at_utc: '2025-11-08T14:04:01Z' };
  const rows: StoredMessage[] = [
    { ...base, message_id: 1, role: 'system', content: '# Current Date', client_message_id: null, parent_client_message_id: null, name: null },
    { ...base, message_id: 2, role: 'user', content: [{ type: 'text', text: 'What is 6×7?' }, { type: 'image_url', image_url: { url: '/api/files/s/x.png?sig=1' }, metadata: { attachment_id: 'att1', filename: 'x.png', mime_type: 'image/png', size_bytes: 10 } }], client_message_id: 'user_1', parent_client_message_id: null, name: null },
    { ...base, message_id: 3, role: 'assistant', content: null, client_message_id: 'assistant_1', parent_client_message_id: 'user_1', finish_reason: 'tool_calls', model: 'm', usage: { total_tokens: 10, cost: 0.5 }, routing: null, meta: null, generation_id: 'g1', reasoning: [{ text: 'hmm' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'calc', arguments: '{"a":6}' } }], error: null } as StoredMessage,
    { ...base, message_id: 4, role: 'tool', content: '42', client_message_id: null, parent_client_message_id: 'assistant_1', tool_call_id: 'c1', call_id: 'c1', name: 'calc', status: 'finished', result: '42' },
    { ...base, message_id: 5, role: 'assistant', content: 'It is 42.', client_message_id: 'assistant_1', parent_client_message_id: 'user_1', finish_reason: 'stop', model: 'm', usage: { total_tokens: 5, cost: 0.25 }, routing: null, meta: null, generation_id: 'g2', reasoning: null, tool_calls: null, error: null } as StoredMessage,
    { ...base, message_id: 6, role: 'user', content: 'again', client_message_id: null, parent_client_message_id: null, name: null },
    { ...base, message_id: 7, role: 'assistant', content: 'par', client_message_id: null, parent_client_message_id: null, finish_reason: 'cancelled', model: null, usage: null, routing: null, meta: null, generation_id: null, reasoning: null, tool_calls: null, error: { message: 'Cancelled by client', status: null, code: 'cancelled', retryable: false } } as StoredMessage,
  ];

  it('shows the url citations stored with an answer, only http(s) ones, once each', () => {
    const cited = { ...rows[4], annotations: [
      { type: 'url_citation', url_citation: { url: 'https://a.example/x', title: ' A ', content: 'excerpt', start_index: 0, end_index: 3 } },
      { type: 'url_citation', url_citation: { url: 'https://a.example/x', title: 'again' } },
      { type: 'url_citation', url_citation: { url: 'javascript:alert(1)', title: 'bad' } },
      { type: 'file', file: {} }, null, 'text',
    ] } as StoredMessage;
    const thread = threadFromHistory([rows[1], rows[2], rows[3], cited]);
    expect((thread[1] as AssistantMessage).citations).toEqual([{ url: 'https://a.example/x', title: 'A', content: 'excerpt' }]);
  });

  it('merges the hops of one turn, attaches tool rows and skips the system row', () => {
    const thread = threadFromHistory(rows);
    expect(thread.map((m) => m.kind)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const user = thread[0] as UserMessage;
    expect(user.text).toBe('What is 6×7?');
    expect(user.attachments[0]).toMatchObject({ id: 'att1', filename: 'x.png', displayUrl: '/api/files/s/x.png?sig=1' });
    const a = thread[1] as AssistantMessage;
    expect(a.hops.map((h) => h.messageId)).toEqual([3, 5]);
    expect(a.hops[0].toolCalls[0]).toMatchObject({ callId: 'c1', name: 'calc', status: 'finished', result: '42', messageId: 4 });
    expect(a.hops[0].reasoning).toBe('hmm');
    expect(totals(a).cost).toBe(0.75);
    expect(deletionRefs(a)).toEqual(['assistant_1']);
    const stopped = thread[3] as AssistantMessage;
    expect(stopped.status).toBe('stopped');
    expect(deletionRefs(stopped)).toEqual([7]);
    expect(deletionRefs(thread[2])).toEqual([6]);
  });
});

describe('images in answers', () => {
  it('loads images parley stored or inline data, and only links other URLs', () => {
    const m = newAssistant('a', 'u');
    applyEvent(m, { event: 'message', data: JSON.stringify({ choices: [{ delta: { images: [
      { type: 'image_url', image_url: { url: 'https://storage.example/signed.png?sig=1' }, metadata: { attachment_id: 'abc', display_url: 'https://storage.example/signed.png?sig=1' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://tracker.example/p.png?leak=secret' } },
    ] } }] }) });
    expect(m.hops[0].images).toEqual(['https://storage.example/signed.png?sig=1', 'data:image/png;base64,iVBORw0KGgo=', 'link:https://tracker.example/p.png?leak=secret']);
  });
});
