import { describe, it, expect, vi, afterEach } from 'vitest';
import { ApiError, api, describeDetail, request, setUnauthorizedHandler } from './api';

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async () => new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
    status, headers: { 'Content-Type': 'application/json', ...headers },
  }));
}

/** The ApiError `p` rejects with (a test failure when it resolves or rejects with anything else). */
async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => { throw new Error('expected the request to fail'); }, (e: unknown) => e);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(null);
});

describe('describeDetail', () => {
  it('reads strings, validation lists and upstream objects', () => {
    expect(describeDetail('Preset not found')).toBe('Preset not found');
    expect(describeDetail([{ type: 'missing', loc: ['body', 'messages', 0, 'content'], msg: 'Field required' }, { type: 'x', loc: ['body'], msg: 'Bad' }]))
      .toBe('messages.0.content: Field required; Bad');
    expect(describeDetail({ code: 404, message: 'Generation not found' })).toBe('Generation not found');
    expect(describeDetail({ a: 1 })).toBe('{"a":1}');
    expect(describeDetail(null)).toMatch(/without details/);
  });
});

describe('request', () => {
  it('returns parsed JSON and sends JSON bodies', async () => {
    const fetchMock = respond(200, { ok: true });
    vi.stubGlobal('fetch', fetchMock);
    await expect(request('POST', '/api/x', { a: 1 })).resolves.toEqual({ ok: true });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/x');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"a":1}');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('turns error responses into typed errors with the request id and validation items', async () => {
    vi.stubGlobal('fetch', respond(422, { detail: [{ type: 'missing', loc: ['body', 'name'], msg: 'Field required' }] }, { 'X-Request-Id': 'req-1' }));
    const err = await rejection(request('POST', '/api/presets', {}));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(422);
    expect(err.requestId).toBe('req-1');
    expect(err.validation).toHaveLength(1);
    expect(err.message).toBe('name: Field required');
  });

  it('reads Retry-After of a 429', async () => {
    vi.stubGlobal('fetch', respond(429, { detail: 'Too many login attempts; try again later' }, { 'Retry-After': '42' }));
    const err = await rejection(api.login('x'));
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(42);
  });

  it('calls the unauthorized handler on a 401 outside the auth routes', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    vi.stubGlobal('fetch', respond(401, { detail: 'Not authenticated' }));
    await request('GET', '/api/models').catch(() => {});
    expect(handler).toHaveBeenCalledTimes(1);
    await api.login('wrong').catch(() => {});
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('reports network failures and non-JSON answers as their own kinds', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('fetch failed'); }));
    expect((await rejection(request('GET', '/health'))).kind).toBe('network');
    vi.stubGlobal('fetch', respond(200, 'not json'));
    expect((await rejection(request('GET', '/health'))).kind).toBe('invalid-response');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    await expect(api.logout()).resolves.toBeUndefined();
  });
});
