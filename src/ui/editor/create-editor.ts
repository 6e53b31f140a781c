// Builds the SQL editor: PostgreSQL highlighting, catalog completion, run keys, error marks.
import { EditorView, keymap } from '@codemirror/view';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { basicSetup } from 'codemirror';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { diagnosticCount, setDiagnostics } from '@codemirror/lint';
import type { Catalog } from '../../db/catalog.ts';
import { columnCompletion, sqlSchema } from './catalog-completion.ts';

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
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        runKeys,
        basicSetup,
        language.of(langFor(hooks.getCatalog())),
        // One source object for the editor's life: autocomplete matches running queries to
        // their source by identity, so a new function per lookup would stay "pending" forever.
        EditorState.languageData.of(() => columnSource),
        EditorView.contentAttributes.of({ 'aria-label': 'SQL editor' }),
        // An edit clears the error mark in the same transaction (a dispatch from an update
        // listener would be a second transaction, which closes the completion popup).
        EditorState.transactionExtender.of((tr) =>
          tr.docChanged && diagnosticCount(tr.startState) > 0 ? { effects: setDiagnostics(tr.startState, []).effects } : null,
        ),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) hooks.onChange?.(u.state.doc.toString());
        }),
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
    /** Underlines the error at `offset` with its message. */
    markError(offset: number | undefined, message: string) {
      const len = view.state.doc.length;
      if (offset === undefined || offset > len) return view.dispatch(setDiagnostics(view.state, []));
      const word = view.state.wordAt(Math.min(offset, len));
      const from = Math.min(offset, len);
      const to = word && word.from === from ? word.to : Math.min(len, from + 1);
      view.dispatch(setDiagnostics(view.state, [{ from, to: Math.max(to, from), severity: 'error', message }]));
    },
  };
}
export type SqlEditor = ReturnType<typeof createEditor>;
