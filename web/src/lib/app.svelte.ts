// State shared across views: the active model settings, the model catalogue, suggestions, the conversation being
// streamed; and the event that tells the conversation list to reload after a turn, a rename or a delete.
import { api, type Model, type ModelSettings, type Suggestion } from './api';

export const app = $state({
  settings: null as ModelSettings | null,
  models: null as Model[] | null,
  modelsError: '',
  suggestions: [] as Suggestion[],
  /** Session id of the conversation being streamed, if any. */
  streamingSession: null as string | null,
  /** A prompt to send as soon as the chat view opens (a suggestion clicked in the settings). */
  pendingPrompt: null as string | null,
  /** A search result was opened: the chat view shows that conversation at the first message matching `query`. */
  findRequest: null as { sessionId: string; query: string } | null,
});

export async function loadSettings(): Promise<void> {
  try {
    app.settings = await api.modelSettings();
  } catch {
    /* shown as missing; the health banner explains why */
  }
}

let modelsPromise: Promise<void> | null = null;
export function loadModels(force = false): Promise<void> {
  if (modelsPromise && !force) return modelsPromise;
  modelsPromise = api.models().then(
    (r) => { app.models = Array.isArray(r.data) ? r.data : []; app.modelsError = ''; },
    (e) => { app.modelsError = (e as Error).message; modelsPromise = null; },
  );
  return modelsPromise;
}

export async function loadSuggestions(): Promise<void> {
  try {
    app.suggestions = (await api.suggestions()).suggestions;
  } catch {
    app.suggestions = [];
  }
}

// An event rather than state: what changed is on the server, and each listener decides how to fetch it.
const conversationListeners = new Set<() => void>();

/** Calls `listener` after every change to the list of conversations; returns the function that stops it. */
export function onConversationsChanged(listener: () => void): () => void {
  conversationListeners.add(listener);
  return () => conversationListeners.delete(listener);
}

export function conversationsChanged(): void {
  for (const listener of [...conversationListeners]) listener();
}

/** Selects a model, keeping the provider routing and parameters already set. */
export async function selectModel(id: string): Promise<void> {
  const current = app.settings ?? (await api.modelSettings());
  app.settings = await api.saveModelSettings({ model: id, provider: current.provider, parameters: current.parameters });
}
