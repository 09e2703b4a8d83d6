// Markdown of model and tool output → safe HTML. The text is untrusted: markdown-it runs with raw HTML off, links
// are checked by markdown-it and again by DOMPurify, remote images are shown as links (an <img> would let any text
// the model was fed ping an outside server with data), and code blocks get highlighting and a copy button.
// Streaming answers are split into top-level blocks so that only the block still growing is rendered again.
import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';
import { highlightCode, LANGUAGE_GROUPS, registerLanguages } from './highlight';

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
const escapeHtml = md.utils.escapeHtml;

// Highlighting a large code block on every frame while it streams would stutter: the growing block is shown
// plain until it is complete.
let highlightLimit = Infinity;

md.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx];
  const lang = (token.info.trim().split(/\s+/)[0] ?? '').slice(0, 40);
  const body = token.content.length <= highlightLimit ? highlightCode(token.content, lang) : md.utils.escapeHtml(token.content);
  return (
    `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(lang || 'text')}</span>` +
    `<button type="button" class="copy-code" aria-label="Copy code">Copy</button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>`
  );
};

/** Only images parley itself serves (signed attachment URLs) or inline data are loaded; others become links. */
export function isLoadableImage(src: string): boolean {
  if (/^data:image\/(png|jpe?g|gif|webp);/i.test(src)) return true;
  try {
    const url = new URL(src, location.href);
    return url.origin === location.origin && url.pathname.startsWith('/api/files/');
  } catch {
    return false;
  }
}

md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const src = String(token.attrGet('src') ?? '');
  const alt = token.children?.map((c) => c.content).join('') ?? token.content;
  if (isLoadableImage(src)) return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}" loading="lazy">`;
  return `<a href="${escapeHtml(src)}" class="image-link">${escapeHtml(alt || 'image')} (image link)</a>`;
};

const ALLOWED_TAGS = ['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em',
  's', 'del', 'code', 'pre', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'div', 'button', 'sup', 'sub'];
const ALLOWED_ATTR = ['href', 'src', 'alt', 'title', 'class', 'start', 'type', 'aria-label', 'loading'];

let hooked = false;
function purify(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
      if (node.tagName === 'IMG' && !isLoadableImage(node.getAttribute('src') ?? '')) node.removeAttribute('src');
    });
  }
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: [...ALLOWED_ATTR, 'target', 'rel'], ALLOW_DATA_ATTR: false });
}

/** One piece of markdown → sanitized HTML. `highlightUpTo`: code blocks longer than this stay plain. */
export function renderMarkdown(src: string, highlightUpTo = Infinity): string {
  highlightLimit = highlightUpTo;
  try {
    return purify(md.render(src));
  } finally {
    highlightLimit = Infinity;
  }
}

function whenIdle(work: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => work(), { timeout: 2000 });
  else setTimeout(work, 0);
}

// The first message rendered pays for more than its markdown: V8 compiling markdown-it's, DOMPurify's and
// highlight.js's functions on first use, linkify-it compiling its patterns, highlight.js registering its languages
// and compiling the grammar of the first one used. An opened conversation's first render would then be a long
// task (P8), so the page does this ahead, in steps of a few milliseconds each, one step a task (on a busy 2-core
// machine a task's wall time can be 2-3 times its CPU time): when the browser is idle after start, or at once
// when a history is about to be rendered (markdownWarm). The grammar compiled ahead is JavaScript's (a code block
// in another language compiles its own on first use, a few milliseconds).
const warmUp: (() => unknown)[] = [
  ...LANGUAGE_GROUPS.map((group) => () => registerLanguages(group)),
  () => md.linkify.test('see https://example.com'),
  () => md.render('Some **bold**, `code` and a [link](https://example.com):\n\n- one\n- two\n\n```\nplain\n```\n'),
  () => purify('<p>Some <strong>bold</strong> and a <a href="https://example.com">link</a>:</p><ul><li>one</li></ul><pre><code class="hljs">x</code></pre>'),
  () => renderMarkdown('A [link](https://example.com) and `code`.'),
  () => highlightCode('{"a": [1, "b"]}', 'json'),
  () => highlightCode('const x = 1;', 'js'),
];
let warmed = 0;
let scheduled = 0;
let hurry = false;
const whenWarm: (() => void)[] = [];
function scheduleWarmUp(): void {
  const id = ++scheduled;
  const step = () => {
    if (id !== scheduled) return; // replaced by a sooner one (markdownWarm)
    warmUp[warmed++]();
    if (warmed < warmUp.length) scheduleWarmUp();
    else for (const resolve of whenWarm.splice(0)) resolve();
  };
  if (hurry) setTimeout(step, 0);
  else whenIdle(step);
}
scheduleWarmUp();

/** Resolves once the markdown pipeline is warm; the warm-up steps left run at once, a task each. */
export function markdownWarm(): Promise<void> {
  if (warmed >= warmUp.length) return Promise.resolve();
  if (!hurry) {
    hurry = true;
    scheduleWarmUp();
  }
  return new Promise((resolve) => whenWarm.push(resolve));
}

/** While streaming, the block still growing highlights code only up to this size. */
export const STREAMING_HIGHLIGHT_LIMIT = 4000;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})\s*$/;
const LIST_ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])(\s|$)/;

/**
 * Splits markdown into top-level blocks at blank lines outside code fences. A blank line does not split when the
 * next line is indented (list continuation, indented code) or continues a list, so a list stays one block.
 */
export function splitBlocks(src: string): string[] {
  const lines = src.split('\n');
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: { char: string; len: number } | null = null;
  let sawBlank = false;
  let blockIsList = false;
  for (const line of lines) {
    if (fence) {
      current.push(line);
      const m = FENCE_CLOSE.exec(line);
      if (m && m[1][0] === fence.char && m[1].length >= fence.len) fence = null;
      continue;
    }
    if (line.trim() === '') {
      if (current.length) sawBlank = true;
      current.push(line);
      continue;
    }
    const isIndented = /^(\t| {2,})/.test(line);
    const isList = LIST_ITEM.test(line);
    if (sawBlank && !isIndented && !(blockIsList && isList)) {
      blocks.push(current.join('\n').replace(/\n+$/, ''));
      current = [];
      blockIsList = false;
    }
    sawBlank = false;
    if (current.length === 0) blockIsList = isList;
    current.push(line);
    const m = FENCE.exec(line);
    if (m) fence = { char: m[1][0], len: m[1].length };
  }
  const last = current.join('\n').replace(/\n+$/, '');
  if (last.trim()) blocks.push(last);
  return blocks;
}

// Finished messages scrolled out of the window and back render again: keep the recent results.
const CACHE_LIMIT = 400;
const cache = new Map<string, string>();
function cachedRender(src: string): string {
  let html = cache.get(src);
  if (html === undefined) {
    html = renderMarkdown(src);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(src, html);
  }
  return html;
}

export interface RenderedBlock {
  src: string;
  html: string;
  /** False when rendered as the growing tail with highlighting limited. */
  full?: boolean;
}

/**
 * Renders a growing text block by block, reusing the HTML of every block whose source did not change. Feeding the
 * whole text on each frame costs one split plus the rendering of the blocks that changed (normally only the last).
 */
export class IncrementalMarkdown {
  private blocks: RenderedBlock[] = [];

  /** A finished text: rendered in one piece (one parse, one sanitize) unless it was streamed block by block. */
  complete(src: string): RenderedBlock[] {
    if (this.blocks.length > 1 || (this.blocks.length === 1 && this.blocks[0].src !== src && src.startsWith(this.blocks[0].src))) {
      this.update(src);
      // The tail may have been rendered with limited highlighting.
      this.blocks = this.blocks.map((b) => (b.full === false ? { src: b.src, html: renderMarkdown(b.src) } : b));
      return this.blocks;
    }
    if (this.blocks.length === 1 && this.blocks[0].src === src && this.blocks[0].full !== false) return this.blocks;
    this.blocks = src.trim() ? [{ src, html: cachedRender(src) }] : [];
    return this.blocks;
  }

  update(src: string): RenderedBlock[] {
    const parts = splitBlocks(src);
    const last = parts.length - 1;
    const next: RenderedBlock[] = parts.map((part, i) => {
      const prev = this.blocks[i];
      if (prev && prev.src === part && (prev.full !== false || i === last)) return prev;
      if (i === last && part.length > STREAMING_HIGHLIGHT_LIMIT) return { src: part, html: renderMarkdown(part, STREAMING_HIGHLIGHT_LIMIT), full: false };
      return { src: part, html: renderMarkdown(part) };
    });
    this.blocks = next;
    return next;
  }
}
