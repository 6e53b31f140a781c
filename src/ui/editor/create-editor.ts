// Builds the SQL editor: PostgreSQL highlighting, catalog completion, run keys, error marks.
import {
  crosshairCursor, drawSelection, dropCursor, EditorView, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  keymap, lineNumbers, rectangularSelection,
} from '@codemirror/view';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { bracketMatching, foldGutter, foldKeymap, indentOnInput } from '@codemirror/language';
import { systemTheme } from './editor-theme.ts';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import type { Catalog } from '../../db/catalog.ts';
import { columnCompletion, sqlSchema } from './catalog-completion.ts';
import { errorMark } from './error-mark.ts';

/**
 * The `codemirror` package's basicSetup (6.0.2) without its lint keys, which error-mark.ts adds
 * with the lint package when the first error is marked. Search stays: Ctrl+F must open its
 * panel at once, or the words typed right after it would land in the script.
 */
const setup = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  foldGutter(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  bracketMatching(),
  closeBrackets(),
  autocompletion(),
  rectangularSelection(),
  crosshairCursor(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap]),
];

export interface EditorHooks {
  /** Ctrl/Cmd+Enter: the selection, or the whole script. */
  onRun: (text: string, baseOffset: number) => void;
  /** Ctrl/Cmd+Shift+Enter: the statement under the cursor. */
  onRunStatement: (doc: string, cursor: number) => void;
  onChange?: (doc: string) => void;
  getCatalog: () => Catalog | null;
}

export function createEditor(parent: HTMLElement, doc: string, hooks: EditorHooks) {
  const language = new Compartment();
  const langFor = (catalog: Catalog | null) => sql({ dialect: PostgreSQL, schema: sqlSchema(catalog), upperCaseKeywords: false });
  const runKeys = Prec.highest(keymap.of([
    {
      key: 'Mod-Enter',
      run: (view) => {
        const sel = view.state.selection.main;
        if (sel.empty) hooks.onRun(view.state.doc.toString(), 0);
        else hooks.onRun(view.state.sliceDoc(sel.from, sel.to), sel.from);
        return true;
      },
    },
    {
      key: 'Mod-Shift-Enter',
      run: (view) => {
        hooks.onRunStatement(view.state.doc.toString(), view.state.selection.main.head);
        return true;
      },
    },
  ]));
  const columnSource = [{ autocomplete: columnCompletion(hooks.getCatalog) }];
  const errors = errorMark();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        runKeys,
        setup,
        systemTheme(),
        language.of(langFor(hooks.getCatalog())),
        // One source object for the editor's life: autocomplete matches running queries to
        // their source by identity, so a new function per lookup would stay "pending" forever.
        EditorState.languageData.of(() => columnSource),
        EditorView.contentAttributes.of({ 'aria-label': 'SQL editor' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) hooks.onChange?.(u.state.doc.toString());
        }),
        errors.extension,
      ],
    }),
  });
    return {
    view,
    setCatalog(catalog: Catalog | null) {
      view.dispatch({ effects: language.reconfigure(langFor(catalog)) });
    },
    /** Replaces the text (one undoable change). */
    setDoc(text: string) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
      view.focus();
    },
    /** Underlines the error at `offset` with its message (clears the mark without an offset). */
    markError(offset: number | undefined, message: string) {
      errors.mark(view, offset, message);
    },
  };
}
export type SqlEditor = ReturnType<typeof createEditor>;
