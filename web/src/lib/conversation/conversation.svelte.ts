// The conversation the chat view shows, as rune state: its messages, stored (history.ts) and live (turn.ts), and
// the actions on them (edits.ts): send, stop, edit-and-resend, retry and delete. The view renders this state and
// calls these methods; routing and scrolling stay with the view, which hears about them through the options.
import { isAbortError } from '../api';
import { app, conversationsChanged } from '../app.svelte';
import { newClientId } from '../chat';
import { finishStream, newAssistant, type AssistantMessage, type Attachment, type ThreadMessage, type UserMessage } from '../thread';
import { deleteMessages, editPlan, removalPlan, retryPlan, type Resend } from './edits';
import { historyErrorText, loadConversation } from './history';
import { runTurn, turnRequest } from './turn';
import { loadWebSearch, saveWebSearch, type WebSearch } from '../web_search';

export interface ConversationOptions {
  /** This page started a conversation (first upload or the server's `session` event): its id belongs in the URL. */
  onSessionStarted: (sessionId: string) => void;
  /** New messages arrived at the end (a send), or the list was emptied (another conversation): the view shows the newest. */
  onNewest: () => void;
  /** An opened conversation's history replaced the list: the view shows its newest messages (default: onNewest). */
  onOpened?: () => void;
}

export class Conversation {
  // The list is raw (history messages never change, and a 1,000-message conversation stays cheap); a message being
  // streamed is a deep $state proxy of its own. Changes to the list reassign it.
  messages = $state.raw<ThreadMessage[]>([]);
  /** The conversation's id; null for a new chat nothing was sent in yet. */
  sessionId = $state<string | null>(null);
  title = $state<string | null>(null);
  loading = $state(false);
  loadError = $state('');
  actionError = $state('');
  /** The composer's web search for this conversation (remembered per conversation: see rememberWebSearch). */
  webSearch = $state<WebSearch>(loadWebSearch(null));

  #turn = $state.raw<AbortController | null>(null);
  readonly streaming = $derived(this.#turn !== null);
  #reply: AssistantMessage | null = null;
  #historyRequest: AbortController | null = null;
  #options: ConversationOptions;

  constructor(options: ConversationOptions) {
    this.#options = options;
  }

  /** Shows another conversation (null: a new chat) and loads its history. The conversation this page's own turn
   *  started is already current and keeps its messages. */
  open(sessionId: string | null): void {
    if (sessionId === this.sessionId) return;
    this.#turn?.abort();
    this.sessionId = sessionId;
    this.webSearch = loadWebSearch(sessionId);
    this.messages = [];
    this.title = null;
    this.loadError = '';
    this.actionError = '';
    this.#options.onNewest();
    if (sessionId) this.#loadHistory(sessionId);
  }

  /** Stores the web search setting for this conversation once it has an id (a new chat's goes with its id). */
  rememberWebSearch(): void {
    if (this.sessionId) saveWebSearch(this.sessionId, $state.snapshot(this.webSearch));
  }

  /** Cancels a history request still running (the view is going away). */
  close(): void {
    this.#historyRequest?.abort();
  }

  async #loadHistory(sessionId: string): Promise<void> {
    this.#historyRequest?.abort();
    const request = new AbortController();
    this.#historyRequest = request;
    this.loading = true;
    try {
      const stored = await loadConversation(sessionId, request.signal);
      if (this.sessionId !== sessionId) return;
      this.title = stored.title;
      this.messages = stored.messages;
      (this.#options.onOpened ?? this.#options.onNewest)();
    } catch (e) {
      if (!isAbortError(e)) this.loadError = historyErrorText(e);
    } finally {
      if (this.#historyRequest === request) this.loading = false;
    }
  }

  /** The conversation's id, made up here when there is none yet (an upload needs one before the first turn). */
  ensureSession(): string {
    if (!this.sessionId) {
      this.sessionId = `session_${newClientId('user').slice(5)}`;
      this.rememberWebSearch();
      this.#options.onSessionStarted(this.sessionId);
    }
    return this.sessionId;
  }

  /** Sends a user message and streams the answer; nothing while a turn is streaming or for an empty message. */
  async send(text: string, attachments: Attachment[]): Promise<void> {
    if (this.#turn || (!text && !attachments.length)) return;
    this.actionError = '';
    const userClientId = newClientId('user');
    const assistantClientId = newClientId('assistant');
    const user: UserMessage = { kind: 'user', key: userClientId, clientId: userClientId, messageId: null, text, attachments, createdAt: null };
    const reply = $state(newAssistant(assistantClientId, userClientId));
    this.messages = [...this.messages, user, reply];
    this.#reply = reply;
    this.#options.onNewest();
    const turn = new AbortController();
    this.#turn = turn;
    const request = turnRequest({ sessionId: this.sessionId, model: app.settings?.model ?? null, text, attachments, userClientId, assistantClientId, webSearch: this.webSearch });
    app.streamingSession = this.sessionId;
    try {
      await runTurn(reply, request, turn.signal, (sessionId) => {
        if (this.#turn !== turn) return;
        this.sessionId = sessionId;
        app.streamingSession = sessionId;
        this.rememberWebSearch();
        this.#options.onSessionStarted(sessionId);
      });
    } finally {
      if (this.#turn === turn) this.#turn = null;
      if (this.#reply === reply) this.#reply = null;
      app.streamingSession = null;
      conversationsChanged();
    }
  }

  /** Stops the answer being streamed (the aborted request cancels the turn on the server). */
  stop(): void {
    if (!this.#turn) return;
    this.#turn.abort();
    this.#turn = null;
    if (this.#reply) finishStream(this.#reply, true);
  }

  /** Replaces the user message `m` (and every turn after it) with `text`. */
  edit(m: ThreadMessage, text: string): Promise<void> {
    return this.#resend(editPlan(this.messages, this.#indexOf(m), text));
  }

  /** Asks again for the answer `m`: its user message is sent again, from its turn on. */
  retry(m: ThreadMessage): Promise<void> {
    return this.#resend(retryPlan(this.messages, this.#indexOf(m)));
  }

  /** Deletes the message `m`; a user message takes its answer with it. */
  async remove(m: ThreadMessage): Promise<void> {
    const index = this.#indexOf(m);
    if (index < 0) return;
    this.actionError = '';
    if (m === this.#reply) this.stop();
    const { end, refs } = removalPlan(this.messages, index);
    try {
      if (this.sessionId) await deleteMessages(this.sessionId, refs);
    } catch (e) {
      this.actionError = `Could not delete: ${(e as Error).message}`;
      return;
    }
    this.messages = [...this.messages.slice(0, index), ...this.messages.slice(end)];
    conversationsChanged();
  }

  async #resend(plan: Resend | null): Promise<void> {
    if (!plan) return;
    this.stop();
    this.actionError = '';
    try {
      if (this.sessionId) await deleteMessages(this.sessionId, plan.refs);
    } catch (e) {
      this.actionError = `Could not delete the old messages: ${(e as Error).message}`;
      return;
    }
    this.messages = this.messages.slice(0, plan.index);
    await this.send(plan.text, plan.attachments);
  }

  #indexOf(m: ThreadMessage): number {
    return this.messages.findIndex((x) => x.key === m.key);
  }
}
