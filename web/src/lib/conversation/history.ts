// Opening a stored conversation: its history (api.md §8.2) as the thread the chat view shows.
import { ApiError, api } from '../api';
import { threadFromHistory, type ThreadMessage } from '../thread';

export interface StoredConversation {
  title: string | null;
  messages: ThreadMessage[];
}

export async function loadConversation(sessionId: string, signal?: AbortSignal): Promise<StoredConversation> {
  const history = await api.history(sessionId, signal);
  return { title: history.title, messages: threadFromHistory(history.messages) };
}

/**
 * What to tell the reader when the history did not load: nothing for a conversation the server does not know (a
 * new chat whose id is already in the URL, or one deleted elsewhere: it shows as empty), the reason otherwise.
 */
export function historyErrorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 404) return '';
  return e instanceof Error ? e.message : String(e);
}
