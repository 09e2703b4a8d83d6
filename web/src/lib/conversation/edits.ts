// Edit, retry and delete on the messages of a conversation: which stored rows to delete and which messages leave
// the view. The server cascades a deletion from a message to the rows of its turn (api.md §2.6): a user message
// deleted by its client id takes the answer with it; rows without client ids (older data) go one by one.
import { ApiError, api } from '../api';
import { deletionRefs, type Attachment, type ThreadMessage } from '../thread';

export type MessageRef = string | number;

/** What replaces the messages from `index` on: the user message to send again after deleting `refs`. */
export interface Resend {
  index: number;
  refs: MessageRef[];
  text: string;
  attachments: Attachment[];
}

/** The deletions that take the turn at `index` and every later turn off the server. */
function deletionsFrom(messages: readonly ThreadMessage[], index: number): MessageRef[] {
  const removed = messages.slice(index);
  return [
    ...removed.filter((m) => m.kind === 'user').flatMap(deletionRefs),
    // Assistant turns whose user message was not linked by client id (older data) go by row id.
    ...removed.filter((m) => m.kind === 'assistant' && !m.parentClientId).flatMap(deletionRefs),
  ];
}

/** Editing the user message at `index`: that turn and every later one are replaced by `text` (same attachments). */
export function editPlan(messages: readonly ThreadMessage[], index: number, text: string): Resend | null {
  const m = messages[index];
  if (m?.kind !== 'user') return null;
  return { index, refs: deletionsFrom(messages, index), text, attachments: m.attachments };
}

/** Retrying the answer at `index`: the user message before it is sent again, from its turn on. */
export function retryPlan(messages: readonly ThreadMessage[], index: number): Resend | null {
  for (let i = index - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.kind === 'user') return { index: i, refs: deletionsFrom(messages, i), text: m.text, attachments: m.attachments };
  }
  return null;
}

/** Deleting the message at `index`: the messages [index, end) leave the view after `refs` are deleted. */
export function removalPlan(messages: readonly ThreadMessage[], index: number): { end: number; refs: MessageRef[] } {
  const m = messages[index];
  // A user message takes its turn's answer with it (the server cascades the same way).
  let end = index + 1;
  if (m.kind === 'user' && messages[end]?.kind === 'assistant') end++;
  const refs = deletionRefs(m);
  // Without a client id there is no cascade: the answer's rows are deleted by their own ids.
  if (m.kind === 'user' && !m.clientId && end > index + 1) refs.push(...deletionRefs(messages[index + 1]));
  return { end, refs };
}

/** Deletes the rows, one reference after the other; a reference already gone (404) is not an error. */
export async function deleteMessages(sessionId: string, refs: readonly MessageRef[]): Promise<void> {
  for (const ref of refs) {
    try {
      await api.deleteMessage(sessionId, ref);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
}
