// Sends one chat turn to POST /api/chat/stream and hands the events to the caller as they arrive.
import { ApiError, errorFromResponse, notifyUnauthorized } from './api';
import { SseReader, type StreamEvent } from './sse';

export interface TurnRequest {
  session_id?: string;
  model?: string;
  messages: { role: 'user'; content: string | Record<string, unknown>[]; client_message_id: string }[];
  metadata: { client_assistant_message_id: string; client_parent_message_id: string };
  /** OpenRouter's web search (api.md §3.1), when the composer's toggle is on. */
  plugins?: { id: 'web'; max_results?: number }[];
  web_search_options?: { search_context_size: 'low' | 'medium' | 'high' };
}

export function newClientId(prefix: 'user' | 'assistant'): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `${prefix}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The text of one `message` chunk's deltas, or null for [DONE] and chunks without content. */
export function deltaText(data: string): string | null {
  if (data === '[DONE]') return null;
  try {
    const chunk = JSON.parse(data);
    let text = '';
    for (const choice of chunk?.choices ?? []) {
      const content = choice?.delta?.content;
      if (typeof content === 'string') text += content;
      else if (Array.isArray(content)) for (const part of content) if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
    }
    return text || null;
  } catch {
    return null;
  }
}

export async function streamTurn(body: TurnRequest, onEvent: (e: StreamEvent) => void, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/chat/stream', {
      method: 'POST',
      credentials: 'same-origin',
      // This client answers a running turn's questions (elicitation forms and tool approvals, docs/mcp.md).
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', 'Parley-Interactions': 'elicitation, elicitation-url, tool-approval' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError('network', 'parley cannot be reached. Is the server running?');
  }
  if (res.status === 401) notifyUnauthorized();
  if (!res.ok || !res.body) throw await errorFromResponse(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const sse = new SseReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const e of sse.feed(value)) onEvent(e);
  }
  for (const e of sse.finish()) onEvent(e);
}
