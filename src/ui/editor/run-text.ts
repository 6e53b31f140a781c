// What Run, Ctrl/Cmd+Enter and Ctrl/Cmd+Shift+Enter send to a session, shared by every editor
// (the playground's and the lessons'): the selection, the whole script, or one statement.
import { splitScript, statementAt } from '../../db/splitter.ts';
import type { StatementResult } from '../../db/session.ts';
import type { SqlEditor } from './create-editor.ts';

/** Runs `text`, which starts at `baseOffset` in the editor (so error marks land right). */
export type RunText = (text: string, baseOffset: number) => Promise<void>;

/** The statement under the cursor, split by the real parser. */
export async function runStatementAt(doc: string, cursor: number, run: RunText): Promise<void> {
  const piece = statementAt(await splitScript(doc), cursor);
  if (piece) await run(doc.slice(piece.from, piece.to), piece.from);
}

/** The selection, or the whole text when nothing is selected. */
export function runSelectionOrAll(editor: SqlEditor | undefined, run: RunText): void {
  const v = editor?.view;
  if (!v) return;
  const s = v.state.selection.main;
  if (s.empty) void run(v.state.doc.toString(), 0);
  else void run(v.state.sliceDoc(s.from, s.to), s.from);
}

/** Underlines the first error of a run, or clears the mark when there is none. */
export function markFirstError(editor: SqlEditor | undefined, results: StatementResult[]): void {
  const failed = results.find((r) => r.error);
  editor?.markError(failed?.error?.offset, failed?.error?.message ?? '');
}
