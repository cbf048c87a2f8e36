import { h } from './dom.ts';

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than a URL: `see https://x.org/a.` */
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** The href for `raw` if it is an http(s) URL, else undefined (never javascript:, data:, ...). */
export function safeHref(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Message text as DOM: text nodes, and <a> elements for http(s) links that open in a new
 * tab without access to this page (noopener) and without leaking it (noreferrer).
 */
export function renderText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    const trail = TRAILING.exec(url)?.[0] ?? '';
    // Keep a closing paren that belongs to the URL: https://en.wikipedia.org/wiki/X_(Y)
    const keepParen = trail.startsWith(')') && url.includes('(');
    if (trail && !keepParen) url = url.slice(0, -trail.length);
    const start = m.index ?? 0;
    const href = safeHref(url);
    if (!href) continue;
    if (start > last) frag.append(document.createTextNode(text.slice(last, start)));
    frag.append(h('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer nofollow' } }, url));
    last = start + url.length;
  }
  if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
  return frag;
}
