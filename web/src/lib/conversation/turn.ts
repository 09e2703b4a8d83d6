// One live turn (api.md §3): the request that sends the user's message, and the chat stream applied event by event
// to the assistant message being shown. How the turn ended is written on that message: done, stopped (the fetch
// was aborted, which cancels the turn on the server) or failed (the stream's error event, or a failed request).
import { ApiError, isAbortError } from '../api';
import { streamTurn, type TurnRequest } from '../chat';
import { applyEvent, finishStream, type AssistantMessage, type Attachment } from '../thread';
import { attachmentFragment } from '../uploads';
import { webSearchRequest, type WebSearch } from '../web_search';

export interface TurnInput {
  /** The conversation to continue; null starts one (the server announces its id in a `session` event). */
  sessionId: string | null;
  /** The model to use; null: the server's active model. */
  model: string | null;
  text: string;
  attachments: Attachment[];
  userClientId: string;
  assistantClientId: string;
  /** The composer's web search setting; off when absent. */
  webSearch?: WebSearch | null;
}

export function turnRequest(t: TurnInput): TurnRequest {
  const content = t.attachments.length
    ? [...(t.text ? [{ type: 'text', text: t.text }] : []), ...t.attachments.map(attachmentFragment)]
    : t.text;
  return {
    ...(t.sessionId ? { session_id: t.sessionId } : {}),
    ...(t.model ? { model: t.model } : {}),
    messages: [{ role: 'user', content, client_message_id: t.userClientId }],
    metadata: { client_assistant_message_id: t.assistantClientId, client_parent_message_id: t.userClientId },
    ...webSearchRequest(t.webSearch),
  };
}

/**
 * Streams the turn into `reply` (mutated in place: pass reactive state to see it grow) until the stream ends or
 * `signal` aborts it. `onSession` hears the session id the server announces. Never throws: a failure is the
 * reply's error, shown with a retry.
 */
export async function runTurn(reply: AssistantMessage, request: TurnRequest, signal: AbortSignal, onSession: (sessionId: string) => void): Promise<void> {
  try {
    await streamTurn(request, (e) => {
      const r = applyEvent(reply, e);
      if (r.sessionId) onSession(r.sessionId);
    }, signal);
    finishStream(reply);
  } catch (e) {
    if (isAbortError(e)) {
      finishStream(reply, true);
      return;
    }
    reply.error = { message: e instanceof Error ? e.message : String(e), status: e instanceof ApiError ? e.status : null, code: null, retryable: true };
    reply.status = 'error';
    finishStream(reply);
  }
}
