import { describe, expect, it } from 'vitest';
import { loadWebSearch, saveWebSearch, webSearchRequest, WEB_SEARCH_OFF } from './web_search';

describe('web search', () => {
  it('adds the web plugin and the search options only when on', () => {
    expect(webSearchRequest(WEB_SEARCH_OFF)).toEqual({});
    expect(webSearchRequest(null)).toEqual({});
    expect(webSearchRequest({ enabled: true, contextSize: 'high', maxResults: 3 })).toEqual({
      plugins: [{ id: 'web', max_results: 3 }],
      web_search_options: { search_context_size: 'high' },
    });
    expect(webSearchRequest({ enabled: true, contextSize: 'low', maxResults: 99 }).plugins?.[0].max_results).toBe(25);
  });

  it('is remembered per conversation, and tolerates what it did not write', () => {
    localStorage.clear();
    expect(loadWebSearch('a')).toEqual(WEB_SEARCH_OFF);
    saveWebSearch('a', { enabled: true, contextSize: 'low', maxResults: 8 });
    expect(loadWebSearch('a')).toEqual({ enabled: true, contextSize: 'low', maxResults: 8 });
    expect(loadWebSearch('b')).toEqual(WEB_SEARCH_OFF);
    expect(loadWebSearch(null)).toEqual(WEB_SEARCH_OFF);
    localStorage.setItem('parley.webSearch.c', '{not json');
    expect(loadWebSearch('c')).toEqual(WEB_SEARCH_OFF);
    localStorage.setItem('parley.webSearch.d', '{"enabled":true,"contextSize":"huge","maxResults":"x"}');
    expect(loadWebSearch('d')).toEqual({ enabled: true, contextSize: 'medium', maxResults: 5 });
    saveWebSearch('a', WEB_SEARCH_OFF);
    expect(localStorage.getItem('parley.webSearch.a')).toBeNull();
  });
});
