// State of sharing from the playground (the Share button). Light on purpose: the packing code
// (fflate, the splitter's use, the pack format) loads when Share is pressed, not with the playground.
import type { Queryable } from '../../db/types.ts';
import type { ShareOutput } from '../../share/codec.ts';
import { FILE_LIMIT, LINK_LIMIT } from '../../share/limits.ts';
import { putFile } from './inbox.ts';


const errorText = (e: unknown) => ((e as Error)?.name === 'PackError' ? (e as Error).message : `Could not share: ${(e as Error)?.message ?? e}`);

export class ShareMaker {
  busy = $state(false);
  error = $state<string | null>(null);
  output = $state.raw<ShareOutput | null>(null);
  link = $state<string | null>(null);
  copied = $state(false);
  fileUrl = $state<string | null>(null);
  /** What the pack could not carry or carries besides the script (its notes), for the sender to read. */
  notes = $state.raw<string[]>([]);
  readonly limit = LINK_LIMIT;

  /** Packs the statement at `cursor` with the script before it; the plan comes from `db` (plain EXPLAIN). */
  async make(db: Queryable, doc: string, cursor: number) {
    this.busy = true;
    this.error = null;
    this.copied = false;
    try {
      const [{ packFromScript }, { sharePack }] = await Promise.all([import('../../share/from-script.ts'), import('../../share/codec.ts')]);
      const pack = await packFromScript(db, doc, cursor);
      const out = sharePack(pack);
      this.notes = pack.notes;
      this.output = out;
      this.link = out.fitsLink ? location.href.replace(/#.*$/, '') + out.fragment : null;
      if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
      this.fileUrl = URL.createObjectURL(new Blob([out.fileText], { type: 'application/x-pglab' }));
      if (this.link) {
        try {
          await navigator.clipboard.writeText(this.link);
          this.copied = true;
        } catch {
          // No clipboard permission: the link is shown to copy by hand.
        }
      }
    } catch (e) {
      this.error = errorText(e);
      this.output = null;
    } finally {
      this.busy = false;
    }
  }

  /** Copies the link again (a button press: the clipboard needs the user's gesture). */
  async copy() {
    if (!this.link) return;
    try {
      await navigator.clipboard.writeText(this.link);
      this.copied = true;
    } catch {
      this.error = 'The browser did not allow copying: select the link and copy it by hand.';
    }
  }

  close() {
    this.output = null;
    this.notes = [];
    this.link = null;
    this.error = null;
  }
}

/** Reads a chosen .pglab file and opens it in the share view; a message when it is refused. */
export async function openFile(file: File, go: (...parts: string[]) => void): Promise<string | null> {
  if (file.size > FILE_LIMIT) {
    return `This file is ${(file.size / 1024 / 1024).toFixed(1)} MB; a .pglab file is at most ${FILE_LIMIT / 1024 / 1024} MB. Nothing was read or run.`;
  }
  putFile(await file.text());
  go('share', 'file');
  return null;
}
