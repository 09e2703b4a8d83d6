// A live transcription session: microphone → MediaRecorder (WebM/Opus chunks) → Deepgram's websocket, with the
// short-lived token from POST /api/stt/deepgram/token as the websocket subprotocol. Messages go to a Dictation.
import { api } from '../api';
import type { DeepgramMessage } from './dictation';
import { listenUrl, validateSpeechSettings, websocketProtocols, type SpeechSettings } from './settings';

export interface LiveSessionHandlers {
  onMessage: (msg: DeepgramMessage) => void;
  onError: (message: string) => void;
  onClose: () => void;
}

export class LiveSession {
  private ws: WebSocket | null = null;
  private recorder: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly settings: SpeechSettings, private readonly handlers: LiveSessionHandlers) {}

  async start(): Promise<void> {
    const problems = validateSpeechSettings(this.settings);
    if (problems.length) throw new Error(`Speech settings: ${problems.join(' ')}`);
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot record audio here (a secure context, https or localhost, is needed).');
    const [tokenResult, streamResult] = await Promise.allSettled([
      api.deepgramToken(),
      navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } }),
    ]);
    if (streamResult.status === 'fulfilled') this.stream = streamResult.value;
    if (tokenResult.status === 'rejected') { this.release(); throw tokenResult.reason; }
    if (streamResult.status === 'rejected') throw new Error(`The microphone is not available: ${(streamResult.reason as Error)?.message ?? streamResult.reason}`);
    const token = tokenResult.value.access_token;
    const stream = streamResult.value;
    if (this.closed) return this.release();
    const ws = new WebSocket(listenUrl(this.settings), websocketProtocols(token));
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('Could not connect to Deepgram.'));
    });
    ws.onmessage = (e) => {
      try {
        this.handlers.onMessage(JSON.parse(String(e.data)));
      } catch {
        /* not JSON: ignore */
      }
    };
    ws.onerror = () => this.handlers.onError('The Deepgram connection failed.');
    ws.onclose = (e) => {
      if (!this.closed && e.code !== 1000) this.handlers.onError(`Deepgram closed the connection (${e.code}${e.reason ? `: ${e.reason}` : ''}).`);
      this.release();
      this.handlers.onClose();
    };
    const mime = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus'].find((m) => MediaRecorder.isTypeSupported(m));
    this.recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
    this.recorder.ondataavailable = (e) => { if (e.data.size && ws.readyState === WebSocket.OPEN) ws.send(e.data); };
    this.recorder.start(250);
    this.keepAlive = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'KeepAlive' })); }, 8000);
  }

  /** Stops the microphone and asks Deepgram to send its last results before it closes. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    try { this.recorder?.stop(); } catch { /* already stopped */ }
    this.stream?.getTracks().forEach((t) => t.stop());
    const ws = this.ws;
    if (ws?.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'CloseStream' }));
      setTimeout(() => { if (ws.readyState !== WebSocket.CLOSED) ws.close(1000); }, 3000);
    } else {
      this.release();
      this.handlers.onClose();
    }
  }

  private release(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.stream?.getTracks().forEach((t) => t.stop());
  }
}
