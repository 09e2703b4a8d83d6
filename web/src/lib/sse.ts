// Reads parley's chat stream (api.md §3.4): blocks split on blank lines (LF, CR or CRLF), comments ignored,
// the event name defaulting to "message", data lines joined with "\n".

export interface StreamEvent {
  event: string;
  data: string;
}

export class SseReader {
  private buffer = '';

  /** Feeds decoded text; returns the events completed by it. */
  feed(text: string): StreamEvent[] {
    this.buffer += text;
    const events: StreamEvent[] = [];
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!m) break;
      const block = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = parseBlock(block);
      if (ev) events.push(ev);
    }
    return events;
  }

  /** The end of the body: a last block without its blank line still counts. */
  finish(): StreamEvent[] {
    const ev = this.buffer.trim() ? parseBlock(this.buffer) : null;
    this.buffer = '';
    return ev ? [ev] : [];
  }
}

function parseBlock(block: string): StreamEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}
