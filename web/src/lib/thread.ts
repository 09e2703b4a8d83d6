// The conversation as the UI shows it: user messages and assistant messages, where one assistant message is a
// whole turn (one hop per upstream call, each with its text, reasoning, tool calls and usage). Built two ways:
// live, by applying the chat stream's events (api.md §3.5, §3.6) to the message being streamed, and from stored
// history (§8.2). Plain objects, so the component can make them reactive; the functions here mutate them.
import type { Fragment, StoredMessage, StreamErrorInfo, ToolCallSpec, Usage } from './api';
import type { StreamEvent } from './sse';
import { isLoadableImage } from './markdown';

export interface Attachment {
  id: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  displayUrl: string;
  deliveryUrl: string;
  uploadedAt?: string;
  expiresAt?: string | null;
  sessionId?: string;
  expired?: boolean;
}

/** A question of the running turn about this call (docs/mcp.md): a server's form, or approval of the call. */
export interface ToolQuestion {
  id: string;
  kind: 'elicitation' | 'tool_approval';
  /** Elicitation: "form" (fill in `schema`) or "url" (open `url` out of band, MCP URL mode). */
  mode: 'form' | 'url';
  url: string;
  message: string;
  server: string;
  schema: Record<string, unknown>;
  arguments: unknown;
  timeoutMs: number;
  status: 'open' | 'answered' | 'closed';
  outcome: string | null;
}

export interface ToolCall {
  callId: string;
  name: string;
  arguments: string;
  status: 'requested' | 'running' | 'finished' | 'error';
  result: string | null;
  messageId: number | null;
  startedAt: number | null;
  durationMs: number | null;
  followup: string | null;
  question?: ToolQuestion | null;
}

export interface Citation {
  url: string;
  title: string;
  /** The excerpt of the page the search gave the model (OpenRouter's url_citation `content`), when known. */
  content?: string;
}

export interface Hop {
  text: string;
  reasoning: string;
  images: string[];
  toolCalls: ToolCall[];
  usage: Usage | null;
  model: string | null;
  generationId: string | null;
  messageId: number | null;
  finishReason: string | null;
  closed: boolean;
}

export interface UserMessage {
  kind: 'user';
  key: string;
  clientId: string | null;
  messageId: number | null;
  text: string;
  attachments: Attachment[];
  createdAt: string | null;
}

export interface AssistantMessage {
  kind: 'assistant';
  key: string;
  clientId: string | null;
  parentClientId: string | null;
  hops: Hop[];
  status: 'streaming' | 'done' | 'stopped' | 'error';
  error: StreamErrorInfo | null;
  notices: string[];
  citations: Citation[];
  createdAt: string | null;
  /** Set while an `error` event was seen: the compatibility chunk "Error: …" that follows is not shown as text. */
  sawErrorEvent?: boolean;
}

export type ThreadMessage = UserMessage | AssistantMessage;

export function newHop(): Hop {
  return { text: '', reasoning: '', images: [], toolCalls: [], usage: null, model: null, generationId: null, messageId: null, finishReason: null, closed: false };
}

export function newAssistant(clientId: string | null, parentClientId: string | null): AssistantMessage {
  return { kind: 'assistant', key: clientId ?? `a${Math.random()}`, clientId, parentClientId, hops: [], status: 'streaming', error: null, notices: [], citations: [], createdAt: null };
}

function openHop(m: AssistantMessage): Hop {
  let hop = m.hops[m.hops.length - 1];
  if (!hop || hop.closed) {
    hop = newHop();
    m.hops.push(hop);
  }
  return hop;
}

function findCall(m: AssistantMessage, callId: string): ToolCall | undefined {
  for (let i = m.hops.length - 1; i >= 0; i--) {
    const call = m.hops[i].toolCalls.find((c) => c.callId === callId);
    if (call) return call;
  }
  return undefined;
}

function newCall(callId: string, name: string, args = ''): ToolCall {
  return { callId, name, arguments: args, status: 'requested', result: null, messageId: null, startedAt: null, durationMs: null, followup: null };
}

function imageUrlOf(part: unknown): string | null {
  const p = part as Fragment | null;
  if (!p || typeof p !== 'object') return null;
  const url = (p.metadata?.display_url as string | undefined) || p.image_url?.url;
  if (typeof url !== 'string' || !url) return null;
  // Images parley stored (they carry an attachment id) or inline data load as images; any other URL the model
  // names is only linked, so that model output cannot make the browser fetch from arbitrary servers.
  return p.metadata?.attachment_id || isLoadableImage(url) ? url : `link:${url}`;
}

/** Adds the url citations of OpenRouter's `annotations` (web search) that are new to the message. */
export function addCitations(m: { citations: Citation[] }, annotations: unknown): void {
  if (!Array.isArray(annotations)) return;
  for (const a of annotations) {
    const c = (a as { url_citation?: { url?: unknown; title?: unknown; content?: unknown } })?.url_citation;
    if (!c || typeof c.url !== 'string' || !/^https?:\/\//i.test(c.url) || m.citations.some((x) => x.url === c.url)) continue;
    const citation: Citation = { url: c.url, title: typeof c.title === 'string' && c.title.trim() ? c.title.trim() : c.url };
    if (typeof c.content === 'string' && c.content.trim()) citation.content = c.content.trim().slice(0, 2000);
    m.citations.push(citation);
  }
}

/** Applies one `message` chunk (api.md §3.5) to the streaming message. */
function applyChunk(m: AssistantMessage, data: string): void {
  if (data === '[DONE]' || !data) return;
  let chunk: Record<string, unknown>;
  try {
    chunk = JSON.parse(data);
  } catch {
    return;
  }
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  // The compatibility chunk that repeats a failure as text: the `error` event already said it.
  if (m.sawErrorEvent && choices.length === 1 && typeof choices[0]?.delta?.content === 'string' && choices[0].delta.content.startsWith('Error: ')) return;
  const hop = openHop(m);
  if (typeof chunk.model === 'string') hop.model = chunk.model;
  if (typeof chunk.id === 'string') hop.generationId = chunk.id;
  if (chunk.usage && typeof chunk.usage === 'object') hop.usage = chunk.usage as Usage;
  for (const choice of choices) {
    const delta = choice?.delta ?? choice?.message;
    if (!delta || typeof delta !== 'object') continue;
    const content = delta.content;
    if (typeof content === 'string') hop.text += content;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part?.type === 'text' && typeof part.text === 'string') hop.text += part.text;
        else if (part?.type === 'image_url') {
          const url = imageUrlOf(part);
          if (url) hop.images.push(url);
        }
      }
    }
    if (Array.isArray(delta.images)) for (const img of delta.images) { const url = imageUrlOf(img); if (url) hop.images.push(url); }
    if (typeof delta.reasoning === 'string') hop.reasoning += delta.reasoning;
    addCitations(m, delta.annotations);
    if (Array.isArray(delta.tool_calls)) {
      for (const frag of delta.tool_calls) {
        const index = typeof frag?.index === 'number' && frag.index >= 0 ? frag.index : hop.toolCalls.length;
        let call = hop.toolCalls[index];
        if (!call) {
          call = newCall('', '');
          hop.toolCalls[index] = call;
        }
        if (typeof frag.id === 'string' && frag.id) call.callId = frag.id;
        if (typeof frag.function?.name === 'string' && frag.function.name) call.name = frag.function.name;
        if (typeof frag.function?.arguments === 'string') call.arguments += frag.function.arguments;
      }
    }
    if (typeof choice.finish_reason === 'string') hop.finishReason = choice.finish_reason;
  }
  addCitations(m, (chunk as { citations?: unknown }).citations);
}

function applyMetadata(m: AssistantMessage, meta: Record<string, unknown>): void {
  const hop = openHop(m);
  hop.closed = true;
  if (typeof meta.finish_reason === 'string') hop.finishReason = meta.finish_reason;
  if (typeof meta.model === 'string') hop.model = meta.model;
  if (meta.usage && typeof meta.usage === 'object') hop.usage = meta.usage as Usage;
  if (typeof meta.generation_id === 'string') hop.generationId = meta.generation_id;
  if (typeof meta.message_id === 'number') hop.messageId = meta.message_id;
  if (typeof meta.client_message_id === 'string') m.clientId = meta.client_message_id;
  if (typeof meta.created_at === 'string' && !m.createdAt) m.createdAt = meta.created_at;
  if (!hop.reasoning && Array.isArray(meta.reasoning)) hop.reasoning = reasoningText(meta.reasoning as { text: string }[]);
  // The assembled calls are authoritative; keep the status of calls already known.
  const calls = meta.tool_calls as ToolCallSpec[] | null;
  hop.toolCalls = Array.isArray(calls)
    ? calls.map((c) => {
        const known = hop.toolCalls.find((k) => k.callId === c.id);
        return { ...(known ?? newCall(c.id, c.function.name)), callId: c.id, name: c.function.name, arguments: c.function.arguments };
      })
    : hop.toolCalls.filter((c) => c.name);
  // meta: null must not wipe citations collected from chunks (api.md §10 point 2).
  const metaObj = meta.meta as { citations?: unknown } | null;
  if (metaObj && Array.isArray(metaObj.citations)) {
    addCitations(m, metaObj.citations.map((url) => ({ url_citation: { url } })));
  }
}

function applyTool(m: AssistantMessage, t: Record<string, unknown>, now: number): void {
  const status = t.status;
  if (t.name === 'system' || status === 'notice') {
    if (typeof t.message === 'string') m.notices.push(t.message);
    return;
  }
  const callId = typeof t.call_id === 'string' ? t.call_id : '';
  let call = findCall(m, callId);
  if (!call) {
    call = newCall(callId, String(t.name ?? 'tool'));
    const hop = m.hops[m.hops.length - 1] ?? openHop(m);
    hop.toolCalls.push(call);
  }
  if (typeof t.name === 'string') call.name = t.name;
  if (status === 'started') {
    call.status = 'running';
    call.startedAt = now;
  } else if (status === 'finished' || status === 'error') {
    call.status = status;
    call.result = typeof t.result === 'string' ? t.result : JSON.stringify(t.result ?? null);
    if (typeof t.message_id === 'number') call.messageId = t.message_id;
    if (call.startedAt !== null) call.durationMs = Math.max(0, now - call.startedAt);
  }
}

function applyQuestion(m: AssistantMessage, kind: 'elicitation' | 'tool_approval', q: Record<string, unknown>): void {
  const id = typeof q.id === 'string' ? q.id : '';
  if (q.status === 'closed') {
    for (const hop of m.hops) for (const c of hop.toolCalls) {
      if (c.question?.id === id) {
        c.question.status = 'closed';
        c.question.outcome = typeof q.outcome === 'string' ? q.outcome : null;
      }
    }
    return;
  }
  const callId = typeof q.call_id === 'string' ? q.call_id : '';
  let call = findCall(m, callId);
  if (!call) {
    call = newCall(callId, String(q.name ?? 'tool'));
    (m.hops[m.hops.length - 1] ?? openHop(m)).toolCalls.push(call);
  }
  call.question = {
    id, kind,
    mode: q.mode === 'url' ? 'url' : 'form',
    url: typeof q.url === 'string' ? q.url : '',
    message: typeof q.message === 'string' ? q.message : '',
    server: typeof q.server === 'string' ? q.server : '',
    schema: q.requested_schema && typeof q.requested_schema === 'object' ? (q.requested_schema as Record<string, unknown>) : {},
    arguments: q.arguments ?? null,
    timeoutMs: typeof q.timeout_ms === 'number' ? q.timeout_ms : 0,
    status: 'open',
    outcome: null,
  };
}

/**
 * Applies one stream event to the streaming assistant message. Returns the session id of a `session` event, and
 * whether the stream is over.
 */
export function applyEvent(m: AssistantMessage, e: StreamEvent, now = Date.now()): { sessionId?: string; done?: boolean } {
  let payload: Record<string, unknown> | null = null;
  if (e.event !== 'message') {
    try {
      payload = JSON.parse(e.data);
    } catch {
      return {};
    }
  }
  switch (e.event) {
    case 'session':
      return typeof payload?.session_id === 'string' ? { sessionId: payload.session_id } : {};
    case 'message':
      if (e.data === '[DONE]') {
        finishStream(m);
        return { done: true };
      }
      applyChunk(m, e.data);
      return {};
    case 'metadata':
      if (payload) applyMetadata(m, payload);
      return {};
    case 'tool':
      if (payload) applyTool(m, payload, now);
      return {};
    case 'elicitation':
    case 'tool_approval':
      if (payload) applyQuestion(m, e.event, payload);
      return {};
    case 'notice':
      if (payload && typeof payload.tool === 'string') {
        const hop = m.hops[m.hops.length - 1];
        const call = hop ? [...hop.toolCalls].reverse().find((c) => c.name === payload!.tool) : undefined;
        const text = `Needs follow-up: ${String(payload.reason ?? '').replace(/_/g, ' ')}`;
        if (call) call.followup = text;
        else m.notices.push(text);
      }
      return {};
    case 'error':
      if (payload) {
        m.error = {
          message: typeof payload.message === 'string' ? payload.message : 'The turn failed',
          status: typeof payload.status === 'number' ? payload.status : null,
          code: (payload.code as string | number | null) ?? null,
          retryable: payload.retryable === true,
        };
        m.sawErrorEvent = true;
        m.status = 'error';
      }
      return {};
    default:
      return {};
  }
}

/** The stream ended (normally, or without [DONE]): close the open hop and settle the status. */
export function finishStream(m: AssistantMessage, stopped = false): void {
  for (const hop of m.hops) {
    hop.closed = true;
    for (const c of hop.toolCalls) {
      if (stopped && (c.status === 'running' || c.status === 'requested')) {
        c.status = 'error';
        c.result ??= 'Stopped before the tool finished.';
      }
    }
  }
  if (m.status === 'streaming') m.status = stopped ? 'stopped' : m.error ? 'error' : 'done';
}

export function reasoningText(segments: { text: string }[] | null | undefined): string {
  return (segments ?? []).map((s) => s.text).filter(Boolean).join('\n\n');
}

function fragmentsText(content: StoredMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((f) => f?.type === 'text' && typeof f.text === 'string').map((f) => f.text).join('\n');
}

export function attachmentOfFragment(f: Fragment): Attachment | null {
  if (f?.type !== 'image_url' && f?.type !== 'file') return null;
  const meta = f.metadata ?? {};
  const url = (typeof meta.display_url === 'string' && meta.display_url) || f.image_url?.url || '';
  return {
    id: String(meta.attachment_id ?? url),
    filename: String(meta.filename ?? 'attachment'),
    mimeType: String(meta.mime_type ?? 'image/*'),
    sizeBytes: Number(meta.size_bytes ?? 0),
    displayUrl: url,
    deliveryUrl: f.image_url?.url ?? url,
    expired: meta.expired === true || !url,
  };
}

function hopFromRow(row: StoredMessage): Hop {
  const hop = newHop();
  hop.closed = true;
  if (typeof row.content === 'string') hop.text = row.content;
  else if (Array.isArray(row.content)) {
    hop.text = fragmentsText(row.content);
    for (const f of row.content) { const url = imageUrlOf(f); if (f?.type === 'image_url' && url) hop.images.push(url); }
  }
  hop.reasoning = reasoningText(row.reasoning);
  hop.usage = row.usage ?? null;
  hop.model = row.model ?? null;
  hop.generationId = row.generation_id ?? null;
  hop.messageId = row.message_id;
  hop.finishReason = row.finish_reason ?? null;
  hop.toolCalls = (row.tool_calls ?? []).map((c) => newCall(c.id, c.function.name, c.function.arguments));
  return hop;
}

/** Builds the thread from stored history (api.md §8.2): one assistant message per turn, hops in order. */
export function threadFromHistory(rows: StoredMessage[]): ThreadMessage[] {
  const out: ThreadMessage[] = [];
  let current: AssistantMessage | null = null;
  for (const row of rows) {
    if (row.role === 'system') continue;
    if (row.role === 'user') {
      current = null;
      const attachments = Array.isArray(row.content) ? row.content.map(attachmentOfFragment).filter((a): a is Attachment => a !== null) : [];
      out.push({ kind: 'user', key: row.client_message_id ?? `u${row.message_id}`, clientId: row.client_message_id, messageId: row.message_id, text: fragmentsText(row.content), attachments, createdAt: row.created_at });
      continue;
    }
    if (row.role === 'assistant') {
      const sameTurn = current && (current.clientId === null ? row.client_message_id === null : current.clientId === row.client_message_id);
      if (!current || !sameTurn) {
        current = newAssistant(row.client_message_id, row.parent_client_message_id);
        current.key = row.client_message_id ?? `a${row.message_id}`;
        current.createdAt = row.created_at;
        current.status = 'done';
        out.push(current);
      }
      current.hops.push(hopFromRow(row));
      if (row.error) {
        current.error = row.error;
        current.status = row.finish_reason === 'cancelled' ? 'stopped' : 'error';
      }
      addCitations(current, row.annotations);
      const meta = row.meta as { citations?: unknown } | null;
      if (meta && Array.isArray(meta.citations)) addCitations(current, meta.citations.map((url) => ({ url_citation: { url } })));
      continue;
    }
    if (row.role === 'tool' && current) {
      const id = row.tool_call_id ?? row.call_id ?? '';
      let call = findCall(current, id);
      if (!call) {
        call = newCall(id, row.name ?? 'tool');
        current.hops[current.hops.length - 1]?.toolCalls.push(call);
      }
      call.status = row.status === 'error' ? 'error' : 'finished';
      call.result = row.result ?? fragmentsText(row.content);
      call.messageId = row.message_id;
      if (row.name) call.name = row.name;
    }
  }
  return out;
}

/** Token and cost totals over the hops of one assistant message. */
export function totals(m: AssistantMessage): { prompt: number; completion: number; total: number; cost: number | null } {
  let prompt = 0, completion = 0, total = 0, cost: number | null = null;
  for (const h of m.hops) {
    const u = h.usage;
    if (!u) continue;
    prompt += Number(u.prompt_tokens ?? 0);
    completion += Number(u.completion_tokens ?? 0);
    total += Number(u.total_tokens ?? (Number(u.prompt_tokens ?? 0) + Number(u.completion_tokens ?? 0)));
    if (typeof u.cost === 'number') cost = (cost ?? 0) + u.cost;
  }
  return { prompt, completion, total, cost };
}

/** The reference that deletes an assistant turn's rows: its client id, else each hop's row id. */
export function deletionRefs(m: ThreadMessage): (string | number)[] {
  if (m.clientId) return [m.clientId];
  if (m.kind === 'user') return m.messageId !== null ? [m.messageId] : [];
  return m.hops.map((h) => h.messageId).filter((id): id is number => id !== null);
}
