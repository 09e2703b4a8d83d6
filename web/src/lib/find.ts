// Find in a conversation: which messages match a search, with the rules of the server's conversation search
// (api.md §8.1): the query split on whitespace (at most 16 tokens), each token matching the start of a word,
// case and diacritics ignored. Also the text ranges to highlight in a rendered message.
import type { ThreadMessage } from './thread';

const WORD = /[\p{L}\p{N}_]+/gu;

/** Lower case without diacritics, one code unit per input code unit where possible. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** The word pieces a query asks for: the search engine splits tokens on punctuation too. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  for (const token of query.trim().split(/\s+/).slice(0, 16)) for (const piece of fold(token).match(WORD) ?? []) if (!terms.includes(piece)) terms.push(piece);
  return terms;
}

/** The searchable text of a message: a user's text, an answer's text over all its hops. */
export function messageText(m: ThreadMessage): string {
  return m.kind === 'user' ? m.text : m.hops.map((h) => h.text).join('\n');
}

export function textMatches(text: string, terms: string[]): boolean {
  if (!terms.length) return false;
  const words = fold(text).match(WORD) ?? [];
  return terms.every((t) => words.some((w) => w.startsWith(t)));
}

/** Keys of the messages that match, in conversation order. */
export function findMatches(messages: readonly ThreadMessage[], query: string): string[] {
  const terms = queryTerms(query);
  return messages.filter((m) => textMatches(messageText(m), terms)).map((m) => m.key);
}

/** [start, end) offsets in `text` of the words that start with one of `terms` (the matching prefix only). */
export function matchOffsets(text: string, terms: string[]): [number, number][] {
  const out: [number, number][] = [];
  if (!terms.length) return out;
  // Folding can change lengths (rare ligatures); map positions through per-character folding instead.
  let folded = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const f = fold(ch);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(text.length);
  for (const m of folded.matchAll(WORD)) {
    const start = m.index ?? 0;
    const term = terms.filter((t) => m[0].startsWith(t)).sort((a, b) => b.length - a.length)[0];
    if (term) out.push([origin[start], origin[start + term.length]]);
  }
  return out;
}

/** Ranges of the matches inside `root`'s text, for the CSS Custom Highlight API. */
export function matchRanges(root: Node, terms: string[]): Range[] {
  const ranges: Range[] = [];
  const walker = root.ownerDocument!.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const [start, end] of matchOffsets(node.nodeValue ?? '', terms)) {
      const r = root.ownerDocument!.createRange();
      r.setStart(node, start);
      r.setEnd(node, end);
      ranges.push(r);
    }
  }
  return ranges;
}
