// Lesson Markdown to safe HTML: marked renders, DOMPurify sanitizes everything (lesson files are
// trusted less than code: an instructor's raw HTML must not run script). Top-level ```sql blocks
// are cut out as their own segments so the view can give each a Run and an Open in editor.
import { Lexer, Parser, type Token, type TokensList } from 'marked';
import DOMPurify from 'dompurify';

export type Segment = { kind: 'html'; html: string } | { kind: 'sql'; sql: string; index: number };

export function safeHtml(html: string): string {
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}

/** Links open outside the app unless they are the app's own hash links. */
function withSafeLinks(html: string): string {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  for (const a of tpl.content.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href') ?? '';
    if (!href.startsWith('#')) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
    }
  }
  return tpl.innerHTML;
}

export function renderMarkdown(md: string): string {
  return withSafeLinks(safeHtml(Parser.parse(new Lexer().lex(md))));
}

/** The text as HTML pieces and runnable SQL blocks, in order; `index` counts the SQL blocks. */
export function segments(md: string): Segment[] {
  const tokens = new Lexer().lex(md);
  const out: Segment[] = [];
  let pending: Token[] = [];
  let index = 0;
  const flush = () => {
    if (!pending.length) return;
    const list = Object.assign(pending, { links: tokens.links }) as TokensList;
    const html = withSafeLinks(safeHtml(Parser.parse(list)));
    if (html.trim()) out.push({ kind: 'html', html });
    pending = [];
  };
  for (const t of tokens) {
    if (t.type === 'code' && (t as { lang?: string }).lang?.trim().toLowerCase() === 'sql') {
      flush();
      out.push({ kind: 'sql', sql: (t as { text: string }).text.trim(), index: index++ });
    } else pending.push(t);
  }
  flush();
  return out;
}
