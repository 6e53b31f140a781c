// State of sharing (the playground's Share button) and of opening a shared pack (the share view).
import type { Queryable } from '../../db/types.ts';
import { checkFileSize, decodePack, sharePack, LINK_LIMIT, SHARE_ROUTE, type ShareOutput } from '../../share/codec.ts';
import { PackError, type SharePack } from '../../share/format.ts';
import { describeReplay, type ReplayPreview, type ReplayResult } from '../../share/replay.ts';
import { packFromScript } from '../../share/from-script.ts';
import { parseJsonPlan } from '../../analysis/plan/parse.ts';
import type { Plan } from '../../analysis/plan/types.ts';
import { putFile } from './inbox.ts';

const errorText = (e: unknown) => (e instanceof PackError ? e.message : `Could not share: ${(e as Error)?.message ?? e}`);

export class ShareMaker {
  busy = $state(false);
  error = $state<string | null>(null);
  output = $state.raw<ShareOutput | null>(null);
  link = $state<string | null>(null);
  copied = $state(false);
  fileUrl = $state<string | null>(null);
  readonly limit = LINK_LIMIT;

  /** Packs the statement at `cursor` with the script before it; the plan comes from `db` (plain EXPLAIN). */
  async make(db: Queryable, doc: string, cursor: number) {
    this.busy = true;
    this.error = null;
    this.copied = false;
    try {
      const out = sharePack(await packFromScript(db, doc, cursor));
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

  close() {
    this.output = null;
    this.link = null;
    this.error = null;
  }
}

/** Reads a chosen .pglab file and opens it in the share view. */
export async function openFile(file: File, go: (...parts: string[]) => void): Promise<string | null> {
  try {
    checkFileSize(file.size);
  } catch (e) {
    return (e as Error).message;
  }
  putFile(await file.text());
  go('share', 'file');
  return null;
}

export class OpenShare {
  pack = $state.raw<SharePack | null>(null);
  error = $state<string | null>(null);
  preview = $state.raw<ReplayPreview | null>(null);
  senderPlan = $state.raw<Plan | null>(null);
  running = $state(false);
  result = $state.raw<ReplayResult | null>(null);
  herePlan = $state.raw<Plan | null>(null);

  /** Decodes and validates; nothing runs until run(). */
  async load(text: string | undefined) {
    this.result = null;
    this.herePlan = null;
    this.pack = null;
    this.preview = null;
    this.senderPlan = null;
    if (text === undefined) {
      this.error = 'No .pglab file is open: choose one with "Open .pglab file".';
      return;
    }
    try {
      const pack = decodePack(text.startsWith('#') || text.includes(SHARE_ROUTE) || text.startsWith('pglab') ? text : SHARE_ROUTE + text);
      this.preview = await describeReplay(pack);
      this.senderPlan = pack.plan ? safePlan(pack.plan) : null;
      this.pack = pack;
      this.error = null;
    } catch (e) {
      this.error = e instanceof PackError ? e.message : `This link cannot be opened: ${(e as Error).message}. Nothing was run.`;
    }
  }

  async run() {
    if (!this.pack || this.running) return;
    this.running = true;
    this.result = null;
    try {
      const { replayInWorker } = await import('../../share/share-client.ts');
      const r = await replayInWorker(this.pack);
      this.result = r;
      this.herePlan = r.plan ? safePlan(r.plan) : null;
    } catch (e) {
      this.result = { ok: false, error: (e as Error).message, steps: [], comparison: null, warnings: [] };
    } finally {
      this.running = false;
    }
  }
}

function safePlan(v: unknown): Plan | null {
  try {
    return parseJsonPlan(v);
  } catch {
    return null;
  }
}
