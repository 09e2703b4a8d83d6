import { describe, it, expect } from 'vitest';
import { formToParams, formToProvider, paramsToForm, providerToForm } from './params';

describe('parameter form', () => {
  it('round-trips settings and keeps keys the form does not show', () => {
    const stored = { temperature: 0.7, max_tokens: 512, stop: ['END'], parallel_tool_calls: false, logit_bias: { '50256': -100 }, reasoning: { effort: 'high' }, top_k: null };
    const form = paramsToForm(stored);
    expect(form.numbers.temperature).toBe('0.7');
    expect(form.bools.parallel_tool_calls).toBe('false');
    expect(form.reasoningEffort).toBe('high');
    const { params, errors } = formToParams(form, stored);
    expect(errors).toEqual({});
    expect(params).toEqual({ logit_bias: { '50256': -100 }, temperature: 0.7, max_tokens: 512, parallel_tool_calls: false, stop: ['END'], reasoning: { effort: 'high' } });
  });

  it('checks the spec ranges', () => {
    const form = paramsToForm(null);
    Object.assign(form.numbers, { temperature: '2.5', top_p: '-0.1', top_k: '1.5', max_tokens: '0', frequency_penalty: '-3', seed: 'abc', min_p: '1' });
    const { errors } = formToParams(form, null);
    expect(Object.keys(errors).sort()).toEqual(['frequency_penalty', 'max_tokens', 'seed', 'temperature', 'top_k', 'top_p']);
    expect(errors.temperature).toBe('Temperature must be at most 2');
    expect(errors.top_k).toBe('Top K must be a whole number');
  });

  it('an empty form is null, not {}', () => {
    expect(formToParams(paramsToForm(null), null)).toEqual({ params: null, errors: {} });
  });
});

describe('provider form', () => {
  it('builds a full provider object with every key, or null when nothing is set', () => {
    const f = providerToForm(null);
    expect(formToProvider(f, null).provider).toBeNull();
    f.sort = 'price';
    f.only = 'OpenAI, Azure ,';
    f.maxPrompt = '1.5';
    f.dataCollection = 'deny';
    const { provider, errors } = formToProvider(f, null);
    expect(errors).toEqual({});
    expect(provider).toEqual({ allow_fallbacks: null, require_parameters: null, data_collection: 'deny', zdr: null, order: null, only: ['OpenAI', 'Azure'], ignore: null, quantizations: null, sort: 'price', max_price: { prompt: 1.5, completion: null, image: null, audio: null, request: null }, experimental: null });
    expect(providerToForm(provider).only).toBe('OpenAI, Azure');
    f.maxCompletion = '-1';
    expect(formToProvider(f, null).errors.maxCompletion).toMatch(/≥ 0/);
  });
});
