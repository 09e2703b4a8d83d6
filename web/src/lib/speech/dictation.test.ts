import { describe, it, expect, beforeEach } from 'vitest';
import { Dictation, type DeepgramMessage, type Scheduler } from './dictation';
import { DEFAULT_SPEECH, listenUrl, validateSpeechSettings, websocketProtocols } from './settings';

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Scheduler {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  set = (fn: () => void, ms: number) => { const id = this.nextId++; this.timers.push({ at: this.now + ms, fn, id }); return id; };
  clear = (handle: unknown) => { this.timers = this.timers.filter((t) => t.id !== handle); };
  advance(ms: number) {
    this.now += ms;
    for (const t of this.timers.filter((t) => t.at <= this.now)) { this.clear(t.id); t.fn(); }
  }
}

const results = (transcript: string, is_final: boolean, speech_final = false): DeepgramMessage =>
  ({ type: 'Results', is_final, speech_final, channel: { alternatives: [{ transcript }] } });

describe('Dictation', () => {
  let clock: ManualClock;
  let texts: string[];
  let submitted: string[];
  const make = (autoSubmit = true, delayMs = 800) => new Dictation({ autoSubmit, delayMs, scheduler: clock, onText: (t) => texts.push(t), onSubmit: (t) => submitted.push(t) });

  beforeEach(() => { clock = new ManualClock(); texts = []; submitted = []; });

  it('shows interim words live after the final ones', () => {
    const d = make();
    d.handle(results('hello', false));
    d.handle(results('hello wor', false));
    d.handle(results('hello world', true));
    d.handle(results('how', false));
    expect(texts).toEqual(['hello', 'hello wor', 'hello world', 'hello world how']);
    expect(submitted).toEqual([]);
  });

  it('submits on speech_final after the delay', () => {
    const d = make(true, 800);
    d.handle(results('what is the weather', true, true));
    clock.advance(799);
    expect(submitted).toEqual([]);
    clock.advance(1);
    expect(submitted).toEqual(['what is the weather']);
    expect(d.text).toBe('');
  });

  it('new speech during the delay cancels the submit; the next speech_final submits everything', () => {
    const d = make(true, 800);
    d.handle(results('first part', true, true));
    clock.advance(500);
    d.handle(results('and', false));
    clock.advance(1000);
    expect(submitted).toEqual([]);
    d.handle(results('and more', true, true));
    clock.advance(800);
    expect(submitted).toEqual(['first part and more']);
  });

  it('SpeechStarted also cancels a pending submit', () => {
    const d = make(true, 800);
    d.handle(results('one', true, true));
    d.handle({ type: 'SpeechStarted' });
    clock.advance(2000);
    expect(submitted).toEqual([]);
    expect(d.text).toBe('one');
  });

  it('UtteranceEnd is the fallback when no speech_final comes, promoting the last interim words', () => {
    const d = make(true, 300);
    d.handle(results('noisy room', true, false));
    d.handle(results('words', false));
    d.handle({ type: 'UtteranceEnd' });
    expect(texts.at(-1)).toBe('noisy room words');
    clock.advance(300);
    expect(submitted).toEqual(['noisy room words']);
  });

  it('UtteranceEnd after a speech_final does not submit twice', () => {
    const d = make(true, 500);
    d.handle(results('done', true, true));
    d.handle({ type: 'UtteranceEnd' });
    clock.advance(5000);
    expect(submitted).toEqual(['done']);
  });

  it('with auto-submit off nothing is sent; flush hands over the text', () => {
    const d = make(false);
    d.handle(results('keep this', true, true));
    d.handle({ type: 'UtteranceEnd' });
    clock.advance(10000);
    expect(submitted).toEqual([]);
    expect(d.flush()).toBe('keep this');
    expect(d.text).toBe('');
  });

  it('an empty final with speech_final does not submit an empty message', () => {
    const d = make(true, 0);
    d.handle(results('', true, true));
    d.handle({ type: 'UtteranceEnd' });
    clock.advance(10);
    expect(submitted).toEqual([]);
  });
});

describe('speech settings', () => {
  it('accepts the defaults and names each bad value', () => {
    expect(validateSpeechSettings(DEFAULT_SPEECH)).toEqual([]);
    const errors = validateSpeechSettings({ ...DEFAULT_SPEECH, utteranceEndMs: 500, submitDelayMs: -1, language: 'english!', url: 'https://x', model: '' });
    expect(errors).toHaveLength(5);
    expect(errors.join(' ')).toMatch(/Utterance end/);
    expect(errors.join(' ')).toMatch(/wss:/);
  });

  it('builds the listen URL and picks the websocket subprotocol from the token shape', () => {
    const url = new URL(listenUrl({ ...DEFAULT_SPEECH, url: 'ws://127.0.0.1:9/v1/listen' }));
    expect(url.searchParams.get('interim_results')).toBe('true');
    expect(url.searchParams.get('utterance_end_ms')).toBe('1000');
    expect(url.searchParams.get('endpointing')).toBe('300');
    expect(url.searchParams.get('model')).toBe('nova-3');
    expect(websocketProtocols('aaa.bbb.ccc')).toEqual(['bearer', 'aaa.bbb.ccc']);
    expect(websocketProtocols('0123456789abcdef')).toEqual(['token', '0123456789abcdef']);
  });
});
