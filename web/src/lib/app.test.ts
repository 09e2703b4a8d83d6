import { describe, it, expect, vi, afterEach } from 'vitest';
import { app, conversationsChanged, loadModels, onConversationsChanged, selectModel } from './app.svelte';

afterEach(() => vi.unstubAllGlobals());

describe('app state', () => {
  it('selecting a model keeps the routing and parameters already set', async () => {
    const provider = { sort: 'price' };
    const parameters = { temperature: 0.2 };
    const calls: { method: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ method: init.method!, body: init.body ? JSON.parse(String(init.body)) : undefined });
      const body = init.method === 'GET'
        ? { model: 'a/old', provider, parameters, supports_tools: true, updated_at: 'x' }
        : { ...JSON.parse(String(init.body)), supports_tools: true, updated_at: 'y' };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }));
    app.settings = null;
    await selectModel('b/new');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PUT']);
    expect(calls[1].body).toEqual({ model: 'b/new', provider, parameters });
    expect(app.settings).toMatchObject({ model: 'b/new' });
  });

  it('loads the model list once for concurrent callers and again after a failure', async () => {
    let n = 0;
    vi.stubGlobal('fetch', vi.fn(async () => {
      n++;
      if (n === 1) return new Response(JSON.stringify({ detail: 'upstream down' }), { status: 502 });
      return new Response(JSON.stringify({ data: [{ id: 'm' }] }), { status: 200 });
    }));
    await Promise.all([loadModels(), loadModels()]);
    expect(n).toBe(1);
    expect(app.modelsError).toBe('upstream down');
    await Promise.all([loadModels(), loadModels()]);
    expect(n).toBe(2);
    expect(app.models?.map((m) => m.id)).toEqual(['m']);
    expect(app.modelsError).toBe('');
  });

  it('tells the sidebar about conversation changes until it stops listening', () => {
    const heard = vi.fn();
    const stop = onConversationsChanged(heard);
    conversationsChanged();
    conversationsChanged();
    expect(heard).toHaveBeenCalledTimes(2);
    stop();
    conversationsChanged();
    expect(heard).toHaveBeenCalledTimes(2);
  });
});
