import { describe, it, expect, beforeEach } from 'vitest';
import { filterModels, loadFavourites, NO_FILTERS, promptPrice, saveFavourites } from './models';
import type { Model } from './api';

const m = (id: string, extra: Partial<Model> = {}): Model => ({ id, name: id, input_modalities: ['text'], output_modalities: ['text'], supports_tools: false, ...extra });
const models: Model[] = [
  m('openai/gpt-4o-mini', { name: 'GPT-4o Mini', supports_tools: true, input_modalities: ['image', 'text'], context_length: 128000, prompt_price_per_million: 0.15, created: 3 }),
  m('anthropic/claude', { name: 'Claude', supports_tools: true, supported_parameters_normalized: ['reasoning', 'tools'], input_modalities: ['file', 'image', 'text'], context_length: 200000, pricing: { prompt: '0.000003' }, created: 2 }),
  m('meta-llama/llama-3-8b', { name: 'Llama 3 8B', context_length: 8192, prompt_price_per_million: 0.03, created: 1 }),
  m('google/free-thing', { name: 'Free thing', context_length: 32768, pricing: { prompt: 'free' }, created: 4 }),
];
const ids = (list: Model[]) => list.map((x) => x.id);

describe('filterModels', () => {
  it('searches id, name and description by every token', () => {
    expect(ids(filterModels(models, { ...NO_FILTERS, search: 'gpt mini' }, new Set(), 'name'))).toEqual(['openai/gpt-4o-mini']);
    expect(ids(filterModels(models, { ...NO_FILTERS, search: 'LLAMA' }, new Set(), 'name'))).toEqual(['meta-llama/llama-3-8b']);
  });

  it('filters by tools, reasoning, input modality, context and price', () => {
    expect(ids(filterModels(models, { ...NO_FILTERS, tools: true }, new Set(), 'name'))).toEqual(['anthropic/claude', 'openai/gpt-4o-mini']);
    expect(ids(filterModels(models, { ...NO_FILTERS, reasoning: true }, new Set(), 'name'))).toEqual(['anthropic/claude']);
    expect(ids(filterModels(models, { ...NO_FILTERS, input: 'file' }, new Set(), 'name'))).toEqual(['anthropic/claude']);
    expect(ids(filterModels(models, { ...NO_FILTERS, minContext: 100000 }, new Set(), 'context'))).toEqual(['anthropic/claude', 'openai/gpt-4o-mini']);
    // Unparseable prices ("free" as text) are unknown and excluded by a price limit.
    expect(ids(filterModels(models, { ...NO_FILTERS, maxPromptPrice: 1 }, new Set(), 'price-asc'))).toEqual(['meta-llama/llama-3-8b', 'openai/gpt-4o-mini']);
    expect(promptPrice(models[1])).toBeCloseTo(3);
  });

  it('sorts, with favourites first', () => {
    expect(ids(filterModels(models, NO_FILTERS, new Set(), 'newest'))).toEqual(['google/free-thing', 'openai/gpt-4o-mini', 'anthropic/claude', 'meta-llama/llama-3-8b']);
    expect(ids(filterModels(models, NO_FILTERS, new Set(), 'price-desc'))[0]).toBe('anthropic/claude');
    expect(ids(filterModels(models, NO_FILTERS, new Set(['meta-llama/llama-3-8b']), 'newest'))[0]).toBe('meta-llama/llama-3-8b');
    expect(ids(filterModels(models, { ...NO_FILTERS, favouritesOnly: true }, new Set(['anthropic/claude']), 'name'))).toEqual(['anthropic/claude']);
  });
});

describe('favourites', () => {
  beforeEach(() => localStorage.clear());
  it('round-trip through localStorage and survive garbage', () => {
    saveFavourites(new Set(['b', 'a']));
    expect([...loadFavourites()]).toEqual(['a', 'b']);
    localStorage.setItem('parley.favouriteModels', '{not json');
    expect(loadFavourites().size).toBe(0);
  });
});
