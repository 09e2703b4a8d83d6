// Speech settings, kept in this browser (localStorage), and their validation: parley checks them before it opens
// a Deepgram connection, so a bad value is reported here instead of as an opaque websocket close.

export interface SpeechSettings {
  mode: 'push-to-talk' | 'hands-free';
  model: string;
  language: string;
  endpointingMs: number;
  utteranceEndMs: number;
  autoSubmit: boolean;
  submitDelayMs: number;
  url: string;
}

export const DEFAULT_SPEECH: SpeechSettings = {
  mode: 'push-to-talk', model: 'nova-3', language: 'en-US', endpointingMs: 300, utteranceEndMs: 1000,
  autoSubmit: true, submitDelayMs: 800, url: 'wss://api.deepgram.com/v1/listen',
};

const KEY = 'parley.speech';

export function loadSpeechSettings(): SpeechSettings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (raw && typeof raw === 'object') return { ...DEFAULT_SPEECH, ...raw };
  } catch {
    /* unreadable: defaults */
  }
  return { ...DEFAULT_SPEECH };
}

export function saveSpeechSettings(s: SpeechSettings): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}

/** Problems with the settings, one sentence each; empty when they can be used. */
export function validateSpeechSettings(s: SpeechSettings): string[] {
  const errors: string[] = [];
  if (s.mode !== 'push-to-talk' && s.mode !== 'hands-free') errors.push('Mode must be push-to-talk or hands-free.');
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(s.model)) errors.push('Model must be a Deepgram model name such as nova-3.');
  if (!/^(multi|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/.test(s.language)) errors.push('Language must be a code such as en-US, de or multi.');
  if (!Number.isInteger(s.endpointingMs) || s.endpointingMs < 10 || s.endpointingMs > 10000) errors.push('Endpointing must be a whole number of milliseconds from 10 to 10000.');
  if (!Number.isInteger(s.utteranceEndMs) || s.utteranceEndMs < 1000 || s.utteranceEndMs > 10000) errors.push('Utterance end must be a whole number of milliseconds from 1000 to 10000 (Deepgram needs at least 1000).');
  if (!Number.isInteger(s.submitDelayMs) || s.submitDelayMs < 0 || s.submitDelayMs > 10000) errors.push('Auto-submit delay must be a whole number of milliseconds from 0 to 10000.');
  try {
    const u = new URL(s.url);
    if (u.protocol !== 'wss:' && u.protocol !== 'ws:') errors.push('Deepgram URL must start with wss:// (or ws://).');
  } catch {
    errors.push('Deepgram URL is not a valid URL.');
  }
  return errors;
}

/** The listen URL with the query Deepgram's live API takes. */
export function listenUrl(s: SpeechSettings, audio?: { encoding: string; sampleRate: number }): string {
  const u = new URL(s.url);
  const q = u.searchParams;
  q.set('model', s.model);
  q.set('language', s.language);
  q.set('interim_results', 'true');
  q.set('smart_format', 'true');
  q.set('punctuate', 'true');
  q.set('vad_events', 'true');
  q.set('endpointing', String(s.endpointingMs));
  q.set('utterance_end_ms', String(s.utteranceEndMs));
  if (audio) {
    q.set('encoding', audio.encoding);
    q.set('sample_rate', String(audio.sampleRate));
    q.set('channels', '1');
  }
  return u.toString();
}

/** A token with three dot-separated parts is a JWT (subprotocol "bearer"); anything else is an API key ("token"). */
export function websocketProtocols(token: string): [string, string] {
  return token.split('.').length >= 3 ? ['bearer', token] : ['token', token];
}
