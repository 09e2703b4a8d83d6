// Code highlighting with highlight.js's core and the languages models write most, to keep the bundle small.
// The result is HTML made of escaped text and <span class="hljs-…"> only. The languages are registered when a
// code block is first highlighted, or a few at a time before (the warm-up of markdown.ts), not when the bundle is
// evaluated: registering them all costs ~10 ms, which would lengthen the page's first task (P8).
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = { bash, c, cpp, csharp, css, diff, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml };
type Language = keyof typeof languages;
/** The languages in groups that take a few milliseconds each to register (registerLanguages). */
export const LANGUAGE_GROUPS: readonly (readonly Language[])[] = [
  ['javascript', 'typescript', 'json', 'xml'], ['python', 'bash', 'css', 'markdown', 'diff'], ['c', 'cpp', 'csharp', 'java'], ['go', 'rust', 'sql', 'yaml'],
];
const unregistered = new Set(Object.keys(languages) as Language[]);

/** Registers the languages `names` (default: all), each once; highlightCode registers them all when it first runs. */
export function registerLanguages(names: readonly Language[] = [...unregistered]): void {
  if (!unregistered.size) return;
  if (unregistered.size === Object.keys(languages).length) {
    hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
    hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
  }
  for (const name of names) {
    if (!unregistered.delete(name)) continue;
    hljs.registerLanguage(name, languages[name]);
  }
}


function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Highlighted HTML for a code block; plain escaped text for unknown languages and very long blocks. */
export function highlightCode(code: string, lang: string): string {
  const name = lang.toLowerCase();
  registerLanguages();
  if (!name || !hljs.getLanguage(name) || code.length > 200_000) return escape(code);
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return escape(code);
  }
}
