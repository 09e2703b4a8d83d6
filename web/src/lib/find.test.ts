import { describe, expect, it } from 'vitest';
import { findMatches, matchOffsets, matchRanges, queryTerms, textMatches } from './find';
import { newAssistant, newHop, type ThreadMessage } from './thread';

function user(key: string, text: string): ThreadMessage {
  return { kind: 'user', key, clientId: null, messageId: null, text, attachments: [], createdAt: null };
}
function answer(key: string, ...texts: string[]): ThreadMessage {
  const a = newAssistant(key, null);
  a.hops = texts.map((t) => ({ ...newHop(), text: t }));
  return a;
}

describe('find in a conversation', () => {
  it('splits the query like the server: words, folded, at most 16 tokens', () => {
    expect(queryTerms('  Crème  brûlée-recipe ')).toEqual(['creme', 'brulee', 'recipe']);
    expect(queryTerms('"a" (b) OR c*')).toEqual(['a', 'b', 'or', 'c']);
    expect(queryTerms(Array.from({ length: 20 }, (_, i) => `t${i}`).join(' '))).toHaveLength(16);
    expect(queryTerms('   ')).toEqual([]);
  });

  it('matches every term as the start of a word, ignoring case and accents', () => {
    expect(textMatches('The Crème Brûlée was great', queryTerms('creme bru'))).toBe(true);
    expect(textMatches('The Crème Brûlée was great', queryTerms('reme'))).toBe(false);
    expect(textMatches('anything', [])).toBe(false);
  });

  it('finds the matching messages in order, an answer by all of its hops', () => {
    const thread = [user('u1', 'tell me about lisbon'), answer('a1', 'Lisbon is', 'in Portugal'), user('u2', 'and porto?'), answer('a2', 'Porto too.')];
    expect(findMatches(thread, 'lisbon')).toEqual(['u1', 'a1']);
    expect(findMatches(thread, 'lisbon portugal')).toEqual(['a1']);
    expect(findMatches(thread, 'nothing')).toEqual([]);
  });

  it('gives the offsets of the matching prefixes in the original text', () => {
    expect(matchOffsets('Café au lait, CAFÉS!', ['caf'])).toEqual([[0, 3], [14, 17]]);
    expect(matchOffsets('naïve naive', ['naive'])).toEqual([[0, 5], [6, 11]]);
    expect(matchOffsets('x', [])).toEqual([]);
  });

  it('makes DOM ranges over the text nodes of a rendered message', () => {
    const div = document.createElement('div');
    div.innerHTML = '<p>Go to <strong>Lisbon</strong> and lisbon again</p>';
    const ranges = matchRanges(div, ['lis']);
    expect(ranges.map((r) => r.toString())).toEqual(['Lis', 'lis']);
  });
});
