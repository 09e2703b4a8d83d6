// Opening a stored conversation: its history (api.md §8.2) as the thread the chat view shows.
import { ApiError, api } from '../api';
import { markdownWarm } from '../markdown';
import { estimateAhead } from '../message_height';
import { threadFromHistory, type ThreadMessage } from '../thread';

export interface StoredConversation {
  title: string | null;
  messages: ThreadMessage[];
}

/** Resolves in a new task (a macrotask), so that work after it does not add to the task that ran before. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The history, in tasks of their own (P8: no long task on opening): the response's JSON parse (a 1,000-message
 * history is ~1 MB) ends one task; building the thread and the message list's height estimates the next; the
 * caller's first render of it happens in a task after these and after the markdown pipeline's warm-up
 * (markdown.ts), whose steps left run while the history is on its way.
 */
export async function loadConversation(sessionId: string, signal?: AbortSignal): Promise<StoredConversation> {
  const warm = markdownWarm();
  const history = await api.history(sessionId, signal);
  await nextTask();
  signal?.throwIfAborted();
  const messages = threadFromHistory(history.messages);
  estimateAhead(messages);
  await warm;
  await nextTask();
  signal?.throwIfAborted();
  return { title: history.title, messages };
}

/**
 * What to tell the reader when the history did not load: nothing for a conversation the server does not know (a
 * new chat whose id is already in the URL, or one deleted elsewhere: it shows as empty), the reason otherwise.
 */
export function historyErrorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 404) return '';
  return e instanceof Error ? e.message : String(e);
}
