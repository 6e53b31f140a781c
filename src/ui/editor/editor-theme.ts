// The editor's colours: CodeMirror's default style in light mode; in dark mode a theme whose every
// token colour has at least WCAG AA contrast (4.5:1) on its background. Follows the system
// setting, also when it changes while the page is open.
import { EditorView, ViewPlugin } from '@codemirror/view';
import { Compartment, type Extension } from '@codemirror/state';
import { HighlightStyle, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/** The dark editor's background, the page's own dark background (App.svelte's --bg). */
export const DARK_BACKGROUND = '#14171a';

/** Token colours on DARK_BACKGROUND; the contrast of each is measured in a test (unit and browser). */
export const DARK_TOKENS = {
  keyword: '#ff9ecb', // 8.2:1
  name: '#e6e9ec',
  string: '#a5d6a7',
  number: '#ffcc80',
  comment: '#9aa5b1',
  type: '#80cbc4',
  operator: '#d0d7de',
  function: '#90caf9',
  invalid: '#ff8a8a',
  punctuation: '#c8cfd6',
};

const darkHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.modifier, t.controlKeyword, t.definitionKeyword], color: DARK_TOKENS.keyword },
  { tag: [t.name, t.variableName, t.propertyName, t.labelName, t.special(t.name)], color: DARK_TOKENS.name },
  { tag: [t.string, t.special(t.string), t.regexp, t.character], color: DARK_TOKENS.string },
  { tag: [t.number, t.bool, t.null, t.atom], color: DARK_TOKENS.number },
  { tag: [t.comment, t.lineComment, t.blockComment], color: DARK_TOKENS.comment, fontStyle: 'italic' },
  { tag: [t.typeName, t.className, t.standard(t.name)], color: DARK_TOKENS.type },
  { tag: [t.operator, t.compareOperator, t.arithmeticOperator, t.logicOperator], color: DARK_TOKENS.operator },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: DARK_TOKENS.function },
  { tag: [t.punctuation, t.bracket, t.paren, t.separator, t.squareBracket, t.brace], color: DARK_TOKENS.punctuation },
  { tag: t.invalid, color: DARK_TOKENS.invalid },
  { tag: [t.meta, t.documentMeta, t.processingInstruction], color: DARK_TOKENS.comment },
  { tag: [t.link, t.url], color: DARK_TOKENS.function, textDecoration: 'underline' },
  { tag: t.heading, color: DARK_TOKENS.keyword, fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strong, fontWeight: 'bold' },
]);

const darkChrome = EditorView.theme({
  '&': { backgroundColor: DARK_BACKGROUND, color: DARK_TOKENS.name },
  '.cm-content': { caretColor: '#ffffff' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#ffffff' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: '#2f4a66' },
  '.cm-activeLine': { backgroundColor: '#1d2329' },
  '.cm-activeLineGutter': { backgroundColor: '#1d2329', color: '#e6e9ec' },
  '.cm-gutters': { backgroundColor: '#181c20', color: '#9aa5b1', borderRight: '1px solid #39414a' },
  '.cm-selectionMatch': { backgroundColor: '#33404d' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: '#3a4756', outline: '1px solid #6b7b8c' },
  '.cm-tooltip': { backgroundColor: '#1d2226', color: '#e6e9ec', border: '1px solid #39414a' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: '#2f4a66', color: '#ffffff' },
  '.cm-panels': { backgroundColor: '#1d2226', color: '#e6e9ec' },
  '.cm-searchMatch': { backgroundColor: '#4d4220', outline: '1px solid #8a7a40' },
}, { dark: true });

const light: Extension = syntaxHighlighting(defaultHighlightStyle, { fallback: true });
const dark: Extension = [darkChrome, syntaxHighlighting(darkHighlight)];

/** The theme for the system's colour scheme, switched live when it changes. */
export function systemTheme(): Extension {
  const slot = new Compartment();
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
  const pick = () => (query?.matches ? dark : light);
  const follow = ViewPlugin.define((view) => {
    const onChange = () => view.dispatch({ effects: slot.reconfigure(pick()) });
    query?.addEventListener('change', onChange);
    return { destroy: () => query?.removeEventListener('change', onChange) };
  });
  return [slot.of(pick()), follow];
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
export function contrastRatio(fg: string, bg: string): number {
  const lum = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
