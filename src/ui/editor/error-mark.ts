// The mark under the error of a failed statement: an @codemirror/lint diagnostic. The lint
// package loads with the first mark (or its panel's key), not with the page; once it is
// there, marks are set synchronously as before.
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { keymap, type EditorView } from '@codemirror/view';

type Lint = typeof import('./lint.ts');

let lint: Lint | undefined;
let loading: Promise<Lint> | undefined;

function loadLint(): Promise<Lint> {
  loading ??= import('./lint.ts').then(
    (m) => (lint = m),
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** What the lint package brings to an editor: its keys, and marks cleared by the next edit. */
function withLint(m: Lint): Extension {
  return [
    keymap.of(m.lintKeymap),
    // An edit clears the error mark in the same transaction (a dispatch from an update
    // listener would be a second transaction, which closes the completion popup).
    EditorState.transactionExtender.of((tr) =>
      tr.docChanged && m.diagnosticCount(tr.startState) > 0 ? { effects: m.setDiagnostics(tr.startState, []).effects } : null,
    ),
  ];
}

/**
 * One editor's error mark. `extension` goes last in the editor's extensions (the lint keys had
 * the lowest precedence in basicSetup); `mark` underlines the error at `offset`, or clears it.
 */
export function errorMark() {
  const slot = new Compartment();
  let configured = false;
  let generation = 0;

  function configure(view: EditorView, m: Lint) {
    if (configured) return;
    configured = true;
    view.dispatch({ effects: slot.reconfigure(withLint(m)) });
  }

  function markNow(view: EditorView, m: Lint, offset: number | undefined, message: string) {
    configure(view, m);
    const len = view.state.doc.length;
    if (offset === undefined || offset > len) return view.dispatch(m.setDiagnostics(view.state, []));
    const word = view.state.wordAt(Math.min(offset, len));
    const from = Math.min(offset, len);
    const to = word && word.from === from ? word.to : Math.min(len, from + 1);
    view.dispatch(m.setDiagnostics(view.state, [{ from, to: Math.max(to, from), severity: 'error', message }]));
  }

  return {
    // Before the package is loaded, Mod-Shift-m (its panel) loads it, as basicSetup's key did.
    extension: slot.of(keymap.of([{
      key: 'Mod-Shift-m',
      preventDefault: true,
      run: (view) => {
        loadLint().then((m) => {
          configure(view, m);
          m.openLintPanel(view);
        }, () => {});
        return true;
      },
    }])),
    mark(view: EditorView, offset: number | undefined, message: string) {
      const gen = ++generation;
      if (lint) return markNow(view, lint, offset, message);
      // Nothing was marked yet, so there is nothing to clear.
      if (offset === undefined || offset > view.state.doc.length) return;
      const doc = view.state.doc;
      // A later mark, or an edit, while the package loads makes this one stale.
      loadLint().then((m) => {
        if (gen === generation && view.state.doc === doc) markNow(view, m, offset, message);
      }, () => {});
    },
  };
}
