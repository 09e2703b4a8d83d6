// What to do with Deepgram's live transcription messages: final words accumulate, interim words are shown after
// them, and the text is submitted once the speaker is done — on `speech_final`, or on `UtteranceEnd` when no
// speech_final came (noisy rooms) — after a configurable delay that new speech cancels. No I/O here: the clock
// is injected so tests drive it.

export interface DeepgramMessage {
  type?: string;
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: { transcript?: string }[] };
}

export interface Scheduler {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

export interface DictationOptions {
  autoSubmit: boolean;
  delayMs: number;
  scheduler: Scheduler;
  /** The text so far (final words plus interim words), after every change. */
  onText: (text: string) => void;
  /** The finished utterance; the dictation starts over afterwards. */
  onSubmit: (text: string) => void;
}

function join(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return `${a} ${b}`;
}

export class Dictation {
  private finalText = '';
  private interim = '';
  private timer: unknown = null;

  constructor(private readonly opts: DictationOptions) {}

  get text(): string {
    return join(this.finalText, this.interim).trim();
  }

  get submitPending(): boolean {
    return this.timer !== null;
  }

  handle(msg: DeepgramMessage): void {
    if (msg.type === 'Results' || (msg.type === undefined && msg.channel)) {
      const transcript = (msg.channel?.alternatives?.[0]?.transcript ?? '').trim();
      if (msg.is_final) {
        if (transcript) {
          this.finalText = join(this.finalText, transcript);
          this.cancelSubmit();
        }
        this.interim = '';
        this.opts.onText(this.text);
        if (msg.speech_final) this.armSubmit();
      } else {
        this.interim = transcript;
        if (transcript) this.cancelSubmit();
        this.opts.onText(this.text);
      }
    } else if (msg.type === 'UtteranceEnd') {
      // No speech_final arrived for this utterance: what was heard last counts as final.
      if (this.interim) {
        this.finalText = join(this.finalText, this.interim);
        this.interim = '';
        this.opts.onText(this.text);
      }
      if (!this.submitPending) this.armSubmit();
    } else if (msg.type === 'SpeechStarted') {
      this.cancelSubmit();
    }
  }

  /** Ends the dictation now (push-to-talk released, or the user pressed send): the text, and a reset. */
  flush(): string {
    this.cancelSubmit();
    const text = this.text;
    this.finalText = '';
    this.interim = '';
    return text;
  }

  cancelSubmit(): void {
    if (this.timer !== null) {
      this.opts.scheduler.clear(this.timer);
      this.timer = null;
    }
  }

  private armSubmit(): void {
    if (!this.opts.autoSubmit || !this.text) return;
    this.cancelSubmit();
    this.timer = this.opts.scheduler.set(() => {
      this.timer = null;
      const text = this.flush();
      if (text) this.opts.onSubmit(text);
    }, this.opts.delayMs);
  }
}
