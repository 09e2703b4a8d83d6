// The model picker's logic over GET /api/models: search, filters, sorting and favourites (kept in localStorage).
import type { Model } from './api';
import { perMillion } from './format';

export interface ModelFilters {
  search: string;
  tools: boolean;
  reasoning: boolean;
  input: string; // '' or a modality such as 'image', 'file', 'audio'
  minContext: number; // tokens; 0 = any
  maxPromptPrice: number | null; // $ per million prompt tokens; null = any
  favouritesOnly: boolean;
}

export type ModelSort = 'name' | 'newest' | 'price-asc' | 'price-desc' | 'context';

export const NO_FILTERS: ModelFilters = { search: '', tools: false, reasoning: false, input: '', minContext: 0, maxPromptPrice: null, favouritesOnly: false };

export function promptPrice(m: Model): number | null {
  return typeof m.prompt_price_per_million === 'number' ? m.prompt_price_per_million : perMillion(m.pricing?.prompt);
}

export function completionPrice(m: Model): number | null {
  return perMillion(m.pricing?.completion);
}

export function supportsReasoning(m: Model): boolean {
  const params = m.supported_parameters_normalized ?? (Array.isArray(m.supported_parameters) ? (m.supported_parameters as string[]).map((p) => p.toLowerCase()) : []);
  return params.includes('reasoning') || params.includes('include_reasoning');
}

export function filterModels(models: Model[], f: ModelFilters, favourites: Set<string>, sort: ModelSort): Model[] {
  const tokens = f.search.toLowerCase().split(/\s+/).filter(Boolean);
  const out = models.filter((m) => {
    if (tokens.length) {
      const hay = `${m.id} ${m.name ?? ''} ${m.description ?? ''}`.toLowerCase();
      if (!tokens.every((t) => hay.includes(t))) return false;
    }
    if (f.tools && !m.supports_tools) return false;
    if (f.reasoning && !supportsReasoning(m)) return false;
    if (f.input && !(m.input_modalities ?? []).includes(f.input)) return false;
    if (f.minContext && !(typeof m.context_length === 'number' && m.context_length >= f.minContext)) return false;
    if (f.maxPromptPrice !== null) {
      const p = promptPrice(m);
      if (p === null || p > f.maxPromptPrice) return false;
    }
    if (f.favouritesOnly && !favourites.has(m.id)) return false;
    return true;
  });
  const name = (m: Model) => (m.name ?? m.id).toLowerCase();
  const price = (m: Model, missing: number) => promptPrice(m) ?? missing;
  const compare: Record<ModelSort, (a: Model, b: Model) => number> = {
    name: (a, b) => name(a).localeCompare(name(b)),
    newest: (a, b) => (b.created ?? 0) - (a.created ?? 0),
    'price-asc': (a, b) => price(a, Infinity) - price(b, Infinity),
    'price-desc': (a, b) => price(b, -Infinity) - price(a, -Infinity),
    context: (a, b) => (b.context_length ?? 0) - (a.context_length ?? 0),
  };
  // Favourites first, then the chosen order (stable for ties).
  return out.sort((a, b) => Number(favourites.has(b.id)) - Number(favourites.has(a.id)) || compare[sort](a, b) || a.id.localeCompare(b.id));
}

const FAV_KEY = 'parley.favouriteModels';

export function loadFavourites(): Set<string> {
  try {
    const list = JSON.parse(localStorage.getItem(FAV_KEY) ?? '[]');
    return new Set(Array.isArray(list) ? list.filter((x) => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveFavourites(f: Set<string>): void {
  try {
    localStorage.setItem(FAV_KEY, JSON.stringify([...f].sort()));
  } catch {
    /* storage unavailable */
  }
}
