// The typed client for parley's /api: relative URLs, JSON in and out, and one error type that understands the
// server's {"detail": string | [{type, loc, msg}]} shape (api.md §0.5).

export interface ValidationItem {
  type: string;
  loc: (string | number)[];
  msg: string;
}

export type ApiErrorKind = 'http' | 'network' | 'invalid-response';

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly validation: ValidationItem[];
  readonly retryAfterSeconds: number | null;

  constructor(kind: ApiErrorKind, message: string, init: { status?: number | null; requestId?: string | null; validation?: ValidationItem[]; retryAfterSeconds?: number | null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = init.status ?? null;
    this.requestId = init.requestId ?? null;
    this.validation = init.validation ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

/** A readable sentence from a `detail` value: a string, a validation list, or upstream JSON. */
export function describeDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const v = item as Partial<ValidationItem>;
        const where = Array.isArray(v.loc) ? v.loc.filter((p) => p !== 'body' && p !== 'query' && p !== 'path').join('.') : '';
        return where ? `${where}: ${v.msg ?? 'invalid'}` : String(v.msg ?? 'invalid input');
      })
      .join('; ');
  }
  if (detail && typeof detail === 'object') {
    const message = (detail as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    return JSON.stringify(detail);
  }
  return 'The server returned an error without details.';
}

/** Turns a failed Response into an ApiError (reads the body). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id');
  const retry = res.headers.get('retry-after');
  const retryAfterSeconds = retry !== null && /^\d+$/.test(retry) ? Number(retry) : null;
  let detail: unknown = null;
  try {
    detail = (await res.json())?.detail;
  } catch {
    detail = null;
  }
  const message = detail === null || detail === undefined ? `Request failed with status ${res.status}` : describeDetail(detail);
  const validation = Array.isArray(detail) ? (detail as ValidationItem[]) : [];
  return new ApiError('http', message, { status: res.status, requestId, validation, retryAfterSeconds });
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;
/** Called when any API request answers 401 (the app shows the login page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

export async function request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      ...init,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(init.headers ?? {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError('network', 'parley cannot be reached. Is the server running?');
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && onUnauthorized && !path.startsWith('/api/auth/')) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError('invalid-response', 'The server sent a response that is not JSON.', { status: res.status, requestId: res.headers.get('x-request-id') });
  }
}

export interface Health {
  status: 'ok' | 'error';
  default_model: string;
  active_model: string;
  version: string;
  database: string;
  storage: string;
  warnings: string[];
}

export interface AuthStatus {
  auth_required: boolean;
  authenticated: boolean;
}

export interface Suggestion {
  label: string;
  text: string;
}

export const api = {
  suggestions: () => request<{ suggestions: Suggestion[] }>('GET', '/api/suggestions'),
  health: () => request<Health>('GET', '/health'),
  authStatus: () => request<AuthStatus>('GET', '/api/auth/status'),
  login: (password: string) => request<{ authenticated: boolean; auth_required: boolean }>('POST', '/api/auth/login', { password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
};
