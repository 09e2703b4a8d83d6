// The composer's web search (api.md §3.1: OpenRouter's `web` plugin and `web_search_options`): whether it is on
// for a conversation, and how much to search, remembered per conversation in localStorage; and what it adds to
// a turn's request.

export type SearchContextSize = 'low' | 'medium' | 'high';

export interface WebSearch {
  enabled: boolean;
  /** How much search context the model gets (`web_search_options.search_context_size`). */
  contextSize: SearchContextSize;
  /** Results the plugin fetches (`plugins[0].max_results`, 1–25). */
  maxResults: number;
}

export const WEB_SEARCH_OFF: WebSearch = { enabled: false, contextSize: 'medium', maxResults: 5 };
const KEY_PREFIX = 'parley.webSearch.';

/** The members a turn's request gets (none when search is off). */
export function webSearchRequest(w: WebSearch | null | undefined): { plugins?: { id: 'web'; max_results: number }[]; web_search_options?: { search_context_size: SearchContextSize } } {
  if (!w?.enabled) return {};
  return {
    plugins: [{ id: 'web', max_results: clampResults(w.maxResults) }],
    web_search_options: { search_context_size: w.contextSize },
  };
}

function clampResults(n: unknown): number {
  const v = typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : 5;
  return Math.min(25, Math.max(1, v));
}

function parse(raw: string | null): WebSearch {
  if (!raw) return { ...WEB_SEARCH_OFF };
  try {
    const v = JSON.parse(raw) as Partial<WebSearch>;
    const size = v.contextSize === 'low' || v.contextSize === 'high' ? v.contextSize : 'medium';
    return { enabled: v.enabled === true, contextSize: size, maxResults: clampResults(v.maxResults) };
  } catch {
    return { ...WEB_SEARCH_OFF };
  }
}

/** The web search setting of a conversation (off for a new chat or one never set). */
export function loadWebSearch(sessionId: string | null, storage: Storage | null = safeStorage()): WebSearch {
  if (!sessionId || !storage) return { ...WEB_SEARCH_OFF };
  try {
    return parse(storage.getItem(KEY_PREFIX + sessionId));
  } catch {
    return { ...WEB_SEARCH_OFF };
  }
}

/** Remembers the setting for the conversation; the default (off) leaves nothing behind. */
export function saveWebSearch(sessionId: string, w: WebSearch, storage: Storage | null = safeStorage()): void {
  if (!storage) return;
  try {
    if (!w.enabled && w.contextSize === WEB_SEARCH_OFF.contextSize && w.maxResults === WEB_SEARCH_OFF.maxResults) storage.removeItem(KEY_PREFIX + sessionId);
    else storage.setItem(KEY_PREFIX + sessionId, JSON.stringify({ enabled: w.enabled, contextSize: w.contextSize, maxResults: clampResults(w.maxResults) }));
  } catch {
    /* storage full or unavailable: the setting lasts for this page */
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
