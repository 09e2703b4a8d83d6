// The model parameter and provider routing forms: text fields ↔ the settings document (api.md §2.10, §2.11),
// with the spec's ranges checked before saving. Keys the forms do not show (logit_bias, experimental, …) are kept.
import type { Parameters, ProviderPrefs } from './api';

export interface NumberField {
  key: string;
  label: string;
  min?: number;
  max?: number;
  integer?: boolean;
  step?: number;
  help: string;
}

export const NUMBER_FIELDS: NumberField[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05, help: '0–2; higher is more random' },
  { key: 'top_p', label: 'Top P', min: 0, max: 1, step: 0.01, help: '0–1' },
  { key: 'top_k', label: 'Top K', min: 0, integer: true, help: 'whole number ≥ 0' },
  { key: 'min_p', label: 'Min P', min: 0, max: 1, step: 0.01, help: '0–1' },
  { key: 'top_a', label: 'Top A', min: 0, step: 0.01, help: '≥ 0' },
  { key: 'max_tokens', label: 'Max tokens', min: 1, integer: true, help: 'whole number ≥ 1' },
  { key: 'frequency_penalty', label: 'Frequency penalty', min: -2, max: 2, step: 0.05, help: '−2 to 2' },
  { key: 'presence_penalty', label: 'Presence penalty', min: -2, max: 2, step: 0.05, help: '−2 to 2' },
  { key: 'repetition_penalty', label: 'Repetition penalty', min: 0, step: 0.05, help: '≥ 0' },
  { key: 'seed', label: 'Seed', integer: true, help: 'whole number' },
  { key: 'top_logprobs', label: 'Top logprobs', min: 0, integer: true, help: 'whole number ≥ 0' },
];

export const BOOL_FIELDS = [
  { key: 'parallel_tool_calls', label: 'Parallel tool calls' },
  { key: 'structured_outputs', label: 'Structured outputs' },
  { key: 'safe_prompt', label: 'Safe prompt' },
  { key: 'raw_mode', label: 'Raw mode' },
];

export interface ParamsForm {
  /** Text of each number field (a number input bound in Svelte holds a number or null instead). */
  numbers: Record<string, string | number | null>;
  bools: Record<string, '' | 'true' | 'false'>;
  stop: string; // one sequence per line
  toolChoice: '' | 'auto' | 'none' | 'required';
  reasoningEffort: '' | 'minimal' | 'low' | 'medium' | 'high';
  reasoningExclude: boolean;
  jsonMode: boolean;
}

export function paramsToForm(p: Parameters | null): ParamsForm {
  const v = p ?? {};
  const numbers: Record<string, string> = {};
  for (const f of NUMBER_FIELDS) numbers[f.key] = typeof v[f.key] === 'number' ? String(v[f.key]) : '';
  const bools: Record<string, '' | 'true' | 'false'> = {};
  for (const f of BOOL_FIELDS) bools[f.key] = v[f.key] === true ? 'true' : v[f.key] === false ? 'false' : '';
  const stop = Array.isArray(v.stop) ? (v.stop as string[]).join('\n') : typeof v.stop === 'string' ? v.stop : '';
  const tc = v.tool_choice;
  const reasoning = (v.reasoning ?? {}) as { effort?: string; exclude?: boolean };
  const rf = v.response_format as { type?: string } | null | undefined;
  return {
    numbers, bools, stop,
    toolChoice: tc === 'auto' || tc === 'none' || tc === 'required' ? tc : '',
    reasoningEffort: (['minimal', 'low', 'medium', 'high'].includes(reasoning.effort ?? '') ? reasoning.effort : '') as ParamsForm['reasoningEffort'],
    reasoningExclude: reasoning.exclude === true,
    jsonMode: rf?.type === 'json_object',
  };
}

/** The parameters object to save (null when nothing is set) or the problems, keyed by field. */
export function formToParams(form: ParamsForm, previous: Parameters | null): { params: Parameters | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const out: Parameters = {};
  // Keep what the form does not edit.
  for (const [k, v] of Object.entries(previous ?? {})) {
    if (v !== null && !NUMBER_FIELDS.some((f) => f.key === k) && !BOOL_FIELDS.some((f) => f.key === k) && !['stop', 'tool_choice', 'reasoning', 'response_format'].includes(k)) out[k] = v;
  }
  for (const f of NUMBER_FIELDS) {
    const text = String(form.numbers[f.key] ?? '').trim();
    if (!text) continue;
    const n = Number(text);
    if (!Number.isFinite(n)) errors[f.key] = `${f.label} must be a number`;
    else if (f.integer && !Number.isInteger(n)) errors[f.key] = `${f.label} must be a whole number`;
    else if (f.min !== undefined && n < f.min) errors[f.key] = `${f.label} must be at least ${f.min}`;
    else if (f.max !== undefined && n > f.max) errors[f.key] = `${f.label} must be at most ${f.max}`;
    else out[f.key] = n;
  }
  for (const f of BOOL_FIELDS) if (form.bools[f.key]) out[f.key] = form.bools[f.key] === 'true';
  const stops = form.stop.split('\n').map((s) => s.replace(/\\n/g, '\n')).filter((s) => s.length > 0);
  if (stops.length > 4) errors.stop = 'At most 4 stop sequences';
  else if (stops.length) out.stop = stops;
  if (form.toolChoice) out.tool_choice = form.toolChoice;
  else if (previous && typeof previous.tool_choice === 'object' && previous.tool_choice !== null) out.tool_choice = previous.tool_choice;
  if (form.reasoningEffort || form.reasoningExclude) {
    out.reasoning = { ...((previous?.reasoning as object) ?? {}), ...(form.reasoningEffort ? { effort: form.reasoningEffort } : {}), ...(form.reasoningExclude ? { exclude: true } : {}) };
  }
  if (form.jsonMode) out.response_format = { type: 'json_object' };
  else if (previous?.response_format && (previous.response_format as { type?: string }).type !== 'json_object') out.response_format = previous.response_format;
  return { params: Object.keys(out).length ? out : null, errors };
}

export interface ProviderForm {
  sort: '' | 'price' | 'throughput' | 'latency';
  dataCollection: '' | 'allow' | 'deny';
  allowFallbacks: '' | 'true' | 'false';
  requireParameters: '' | 'true' | 'false';
  zdr: '' | 'true' | 'false';
  order: string;
  only: string;
  ignore: string;
  quantizations: string;
  maxPrompt: string | number | null;
  maxCompletion: string | number | null;
}

const tri = (v: boolean | null | undefined): '' | 'true' | 'false' => (v === true ? 'true' : v === false ? 'false' : '');
const list = (v: string[] | null | undefined) => (v ?? []).join(', ');

export function providerToForm(p: ProviderPrefs | null): ProviderForm {
  return {
    sort: p?.sort ?? '', dataCollection: p?.data_collection ?? '', allowFallbacks: tri(p?.allow_fallbacks),
    requireParameters: tri(p?.require_parameters), zdr: tri(p?.zdr), order: list(p?.order), only: list(p?.only),
    ignore: list(p?.ignore), quantizations: list(p?.quantizations),
    maxPrompt: p?.max_price?.prompt != null ? String(p.max_price.prompt) : '', maxCompletion: p?.max_price?.completion != null ? String(p.max_price.completion) : '',
  };
}

export function formToProvider(f: ProviderForm, previous: ProviderPrefs | null): { provider: ProviderPrefs | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const split = (s: string) => { const l = s.split(',').map((x) => x.trim()).filter(Boolean); return l.length ? l : null; };
  const triValue = (s: string) => (s === 'true' ? true : s === 'false' ? false : null);
  const price = (value: string | number | null, key: string) => {
    const s = String(value ?? '').trim();
    if (!s) return null;
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) { errors[key] = 'A price must be a number ≥ 0 (dollars per million tokens)'; return null; }
    return n;
  };
  const maxPrompt = price(f.maxPrompt, 'maxPrompt');
  const maxCompletion = price(f.maxCompletion, 'maxCompletion');
  const prevMax = previous?.max_price ?? null;
  const maxPrice = maxPrompt !== null || maxCompletion !== null || (prevMax && (prevMax.image != null || prevMax.audio != null || prevMax.request != null))
    ? { prompt: maxPrompt, completion: maxCompletion, image: prevMax?.image ?? null, audio: prevMax?.audio ?? null, request: prevMax?.request ?? null }
    : null;
  const provider: ProviderPrefs = {
    allow_fallbacks: triValue(f.allowFallbacks), require_parameters: triValue(f.requireParameters),
    data_collection: f.dataCollection || null, zdr: triValue(f.zdr), order: split(f.order), only: split(f.only), ignore: split(f.ignore),
    quantizations: split(f.quantizations), sort: f.sort || null, max_price: maxPrice, experimental: previous?.experimental ?? null,
  };
  const any = Object.values(provider).some((v) => v !== null);
  return { provider: any ? provider : null, errors };
}
