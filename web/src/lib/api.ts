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

/** An aborted fetch or stream read (a DOMException in browsers): the caller cancelled, nothing failed. */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
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

/** Tells the app that the session is gone (a 401 outside the auth routes). */
export function notifyUnauthorized(): void {
  onUnauthorized?.();
}

export async function request<T>(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      ...init,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(init.headers ?? {}) },
      body: body === undefined ? init.body : JSON.stringify(body),
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

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cost?: number;
  [key: string]: unknown;
}

export interface ToolCallSpec {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface StreamErrorInfo {
  message: string;
  status: number | null;
  code: string | number | null;
  retryable: boolean;
}

/** A content fragment of a message (api.md §3.1). */
export interface Fragment {
  type: string;
  text?: string;
  image_url?: { url: string };
  metadata?: { attachment_id?: string; display_url?: string; mime_type?: string; size_bytes?: number; filename?: string; expired?: boolean; [k: string]: unknown };
  [k: string]: unknown;
}

/** Stored message object (api.md §8.2). */
export interface StoredMessage {
  message_id: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | Fragment[] | null;
  client_message_id: string | null;
  parent_client_message_id: string | null;
  created_at: string;
  created_at_utc: string;
  name?: string | null;
  finish_reason?: string | null;
  model?: string | null;
  usage?: Usage | null;
  meta?: Record<string, unknown> | null;
  generation_id?: string | null;
  reasoning?: { text: string; type?: string }[] | null;
  tool_calls?: ToolCallSpec[] | null;
  /** OpenRouter's annotations of the answer (url citations of a web search), as stored. */
  annotations?: unknown[] | null;
  error?: StreamErrorInfo | null;
  tool_call_id?: string | null;
  call_id?: string | null;
  status?: 'finished' | 'error';
  result?: string;
}

export interface SessionHistory {
  session_id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
  messages: StoredMessage[];
}

export interface ConversationSummary {
  session_id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
  message_count: number;
  last_model: string | null;
  snippet: string | null;
}

/** What POST /api/chat/import did (§8.10). */
export interface ImportSummary {
  format: 'parley' | 'parley_bundle' | 'chatgpt';
  conversations_imported: number;
  conversations_skipped: number;
  messages_imported: number;
  messages_skipped: number;
  imported: { index: number; session_id: string; title: string | null; messages: number; skipped_messages: number }[];
  skipped: { index: number; title: string | null; reason: string }[];
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface Model {
  id: string;
  name?: string;
  description?: string;
  created?: number;
  context_length?: number | null;
  pricing?: { prompt?: string | number; completion?: string | number; [k: string]: unknown };
  prompt_price_per_million?: number;
  input_modalities: string[];
  output_modalities: string[];
  supported_parameters_normalized?: string[];
  supports_tools: boolean;
  provider_prefix?: string | null;
  [k: string]: unknown;
}

export interface ProviderPrefs {
  allow_fallbacks: boolean | null;
  require_parameters: boolean | null;
  data_collection: 'allow' | 'deny' | null;
  zdr: boolean | null;
  order: string[] | null;
  only: string[] | null;
  ignore: string[] | null;
  quantizations: string[] | null;
  sort: 'price' | 'throughput' | 'latency' | null;
  max_price: { prompt: number | string | null; completion: number | string | null; image: number | string | null; audio: number | string | null; request: number | string | null } | null;
  experimental: Record<string, unknown> | null;
}

export type Parameters = Record<string, unknown>;

export interface ModelSettings {
  model: string;
  provider: ProviderPrefs | null;
  parameters: Parameters | null;
  supports_tools: boolean | null;
  updated_at: string;
}

export type ToolApproval = 'allow' | 'ask' | 'deny';

export interface McpTool {
  name: string;
  qualified_name: string;
  enabled: boolean;
  approval?: ToolApproval;
  destructive?: boolean;
}

export interface McpServer {
  id: string;
  enabled: boolean;
  connected: boolean;
  module: string | null;
  command: string[] | null;
  url: string | null;
  headers: Record<string, string> | null;
  cwd: string | null;
  env: Record<string, string>;
  tool_prefix: string | null;
  disabled_tools: string[];
  tool_count: number;
  tools: McpTool[];
  contexts: string[];
  tool_overrides: Record<string, { contexts: string[] | null; approval?: ToolApproval }>;
  /** A pre-registered OAuth client (docs/mcp.md); absent when parley registers itself. */
  oauth?: McpOAuthClient;
  transport: 'stdio' | 'streamable-http' | 'sse';
  state: 'connected' | 'connecting' | 'disconnected' | 'disabled' | 'failed' | 'needs_authorization';
  last_error: string | null;
}

export interface GoogleConfig {
  client_configured: boolean;
  default_user_email: string | null;
  redirect_uri: string;
  problem?: string;
}

export interface GoogleStatus {
  authorized: boolean;
  expires_at?: string | null;
}

export interface McpStatus {
  servers: McpServer[];
  updated_at: string | null;
}

export interface McpDefinition {
  id: string;
  enabled?: boolean;
  module?: string | null;
  command?: string[] | string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  cwd?: string | null;
  env?: Record<string, string>;
  tool_prefix?: string | null;
  disabled_tools?: string[] | null;
  contexts?: string[];
  tool_overrides?: Record<string, { contexts: string[] | null; approval?: ToolApproval }>;
  oauth?: McpOAuthClient | null;
}

export interface McpOAuthClient {
  client_id: string;
  /** The secret, or ${VAR} naming one in parley's environment. */
  client_secret?: string;
  scope?: string;
}

export interface PresetSummary {
  name: string;
  model: string;
  is_default: boolean;
  created_at: string;
  updated_at: string;
}

export interface Preset extends PresetSummary {
  provider: ProviderPrefs | null;
  parameters: Parameters | null;
  supports_tools: boolean | null;
  system_prompt: string | null;
  mcp_servers: McpDefinition[] | null;
  suggestions: Suggestion[] | null;
}

export interface UploadedAttachment {
  id: string;
  sessionId: string;
  mimeType: string;
  sizeBytes: number;
  displayUrl: string;
  deliveryUrl: string;
  uploadedAt: string;
  expiresAt: string | null;
  metadata: { mime_type: string; size_bytes: number; filename: string };
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A key of the OpenAI-compatible API (/v1), as listed: never the key itself. */
export interface ApiKey {
  id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  models: string[];
  mcp_servers: string[] | null;
  spending_cap_usd: number | null;
  store_history: boolean;
  usage: { requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number };
}

export interface NewApiKey {
  name: string;
  models?: string[];
  mcp_servers?: string[] | null;
  spending_cap_usd?: number | null;
  store_history?: boolean;
}

export const api = {
  suggestions: () => request<{ suggestions: Suggestion[] }>('GET', '/api/suggestions'),
  addSuggestion: (s: Suggestion) => request<{ suggestions: Suggestion[] }>('POST', '/api/suggestions', s),
  deleteSuggestion: (index: number) => request<{ suggestions: Suggestion[] }>('DELETE', `/api/suggestions/${index}`),
  health: () => request<Health>('GET', '/health'),
  authStatus: () => request<AuthStatus>('GET', '/api/auth/status'),
  login: (password: string) => request<{ authenticated: boolean; auth_required: boolean }>('POST', '/api/auth/login', { password }),
  logout: () => request<void>('POST', '/api/auth/logout'),

  conversations: (p: { limit?: number; offset?: number; q?: string }, signal?: AbortSignal) =>
    request<ConversationPage>('GET', `/api/chat/conversations${query(p)}`, undefined, { signal }),
  history: (sessionId: string, signal?: AbortSignal) =>
    request<SessionHistory>('GET', `/api/chat/session/${enc(sessionId)}/messages`, undefined, { signal }),
  renameConversation: (sessionId: string, title: string | null) =>
    request<ConversationSummary>('PATCH', `/api/chat/session/${enc(sessionId)}`, { title }),
  deleteConversation: (sessionId: string) => request<void>('DELETE', `/api/chat/session/${enc(sessionId)}`),
  deleteMessage: (sessionId: string, ref: string | number) =>
    request<void>('DELETE', `/api/chat/session/${enc(sessionId)}/messages/${enc(String(ref))}`),
  exportUrl: (sessionId: string, format: 'json' | 'markdown') => `/api/chat/session/${enc(sessionId)}/export?format=${format}`,
  /** Every conversation in one JSON document (§8.9). */
  exportAllUrl: '/api/chat/export',
  /** Imports a parley export or ChatGPT's conversations.json (§8.10); the file is sent as it is. */
  importConversations: (file: Blob, signal?: AbortSignal) => request<ImportSummary>('POST', '/api/chat/import', undefined, { body: file, signal, headers: { 'Content-Type': 'application/json' } }),
  generation: (id: string) => request<{ data: Record<string, unknown> }>('GET', `/api/chat/generation/${enc(id)}`),

  models: () => request<{ data: Model[] }>('GET', '/api/models'),
  modelSettings: () => request<ModelSettings>('GET', '/api/settings/model'),
  saveModelSettings: (s: { model: string; provider: ProviderPrefs | null; parameters: Parameters | null; supports_tools?: boolean | null }) =>
    request<ModelSettings>('PUT', '/api/settings/model', s),
  systemPrompt: () => request<{ system_prompt: string | null }>('GET', '/api/settings/system-prompt'),
  saveSystemPrompt: (text: string) => request<{ system_prompt: string | null }>('PUT', '/api/settings/system-prompt', { system_prompt: text.trim() || null }),

  presets: () => request<PresetSummary[]>('GET', '/api/presets/'),
  defaultPreset: () => request<Preset | null>('GET', '/api/presets/default'),
  createPreset: (name: string) => request<Preset>('POST', '/api/presets/', { name }),
  updatePreset: (name: string) => request<Preset>('PUT', `/api/presets/${enc(name)}`, {}),
  deletePreset: (name: string) => request<{ deleted: boolean }>('DELETE', `/api/presets/${enc(name)}`),
  setDefaultPreset: (name: string) => request<Preset>('POST', `/api/presets/${enc(name)}/set-default`),
  applyPreset: (name: string) => request<Preset>('POST', `/api/presets/${enc(name)}/apply`),

  mcpServers: () => request<McpStatus>('GET', '/api/mcp/servers/'),
  patchMcpServer: (id: string, patch: Partial<McpDefinition>) => request<McpStatus>('PATCH', `/api/mcp/servers/${enc(id)}`, patch),
  putMcpServers: (servers: McpDefinition[]) => request<McpStatus>('PUT', '/api/mcp/servers/', { servers }),
  refreshMcp: () => request<McpStatus>('POST', '/api/mcp/servers/refresh'),
  answerInteraction: (id: string, answer: Record<string, unknown>) =>
    request<void>('POST', `/api/chat/interactions/${enc(id)}`, answer),
  authorizeMcpServer: (id: string) =>
    request<{ authorization_url: string; redirect_uri: string }>('POST', `/api/mcp/servers/${enc(id)}/authorize`),

  apiKeys: () => request<{ keys: ApiKey[] }>('GET', '/api/keys'),
  createApiKey: (k: NewApiKey) => request<ApiKey & { key: string }>('POST', '/api/keys', k),
  revokeApiKey: (id: string) => request<void>('DELETE', `/api/keys/${enc(id)}`),
  googleConfig: () => request<GoogleConfig>('GET', '/api/google-auth/config'),
  googleStatus: (email: string) => request<GoogleStatus>('GET', `/api/google-auth/status/${enc(email)}`),
  googleAuthorize: (email: string) => request<{ auth_url: string }>('POST', '/api/google-auth/authorize', { user_email: email, redirect_uri: null }),
  googleDisconnect: (email: string) => request<null>('DELETE', `/api/google-auth/status/${enc(email)}`),

  deepgramToken: () => request<{ access_token: string; expires_in: number | null }>('POST', '/api/stt/deepgram/token'),
};
