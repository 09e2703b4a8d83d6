// A guess at the rendered height of a message before it has been rendered, from its content, so that unmeasured
// messages of a long conversation take about the room they will need and the scroll bar does not jump when they
// are measured. The constants are the bubble's padding, line heights and image boxes of the chat view's CSS.
import type { ThreadMessage } from './thread';

const CHARS_PER_LINE = 90;

function lines(text: string): number {
  return text.split('\n').reduce((n, l) => n + 1 + Math.floor(l.length / CHARS_PER_LINE), 0);
}

// Estimates made ahead (estimateAhead) for messages that do not change: an opened history.
const ahead = new WeakMap<ThreadMessage, number>();

/**
 * Estimates the heights of messages that will not change (a history just loaded) now, so that the list's first
 * render of them needs none of this work: for 1,000 messages it is a few milliseconds (P8: the history is
 * prepared and rendered in separate tasks).
 */
export function estimateAhead(messages: readonly ThreadMessage[]): void {
  for (const m of messages) ahead.set(m, estimateHeight(m));
}

/** estimateHeight, or the estimate made ahead for `m`. */
export function estimatedHeight(m: ThreadMessage): number {
  return ahead.get(m) ?? estimateHeight(m);
}

export function estimateHeight(m: ThreadMessage): number {
  if (m.kind === 'user') return 58 + 22 * (lines(m.text) - 1) + (m.attachments.length ? 150 : 0);
  let h = 70;
  for (const hop of m.hops) {
    h += 24 * lines(hop.text) + 40 * hop.toolCalls.length + (hop.reasoning ? 30 : 0) + 240 * hop.images.length;
    h += 40 * ((hop.text.match(/^```/gm)?.length ?? 0) / 2);
  }
  return Math.round(h);
}
