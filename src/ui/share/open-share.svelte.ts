// State of opening a shared pack (the share view, loaded on its route): decode and validate, show
// what it holds, run it on Run in the share worker.
import { decodePack, SHARE_ROUTE } from '../../share/codec.ts';
import { PackError, type SharePack } from '../../share/format.ts';
import { describeReplay, type ReplayPreview, type ReplayResult } from '../../share/replay.ts';
import { parseJsonPlan } from '../../analysis/plan/parse.ts';
import type { Plan } from '../../analysis/plan/types.ts';

export class OpenShare {
  pack = $state.raw<SharePack | null>(null);
  error = $state<string | null>(null);
  preview = $state.raw<ReplayPreview | null>(null);
  senderPlan = $state.raw<Plan | null>(null);
  running = $state(false);
  result = $state.raw<ReplayResult | null>(null);
  herePlan = $state.raw<Plan | null>(null);
  /** The scratch database of the last run, until it is kept as a workspace or thrown away. */
  private scratch: { archive: () => Promise<Blob>; discard: () => void } | null = null;
  hasScratch = $state(false);
  keepError = $state<string | null>(null);
  keeping = $state(false);

  /** Throws the scratch database away (a new link, another run, leaving the view). */
  discard() {
    this.scratch?.discard();
    this.scratch = null;
    this.hasScratch = false;
  }

  /** Keeps the scratch database as a new workspace named `name`; resolves to its id. */
  async keep(name: string): Promise<string | undefined> {
    if (!this.scratch || this.keeping) return undefined;
    this.keeping = true;
    this.keepError = null;
    try {
      const { keepArchive } = await import('../workspaces/workspaces.svelte.ts');
      const w = await keepArchive(name, await this.scratch.archive());
      this.discard();
      return w.id;
    } catch (e) {
      this.keepError = (e as Error).message;
      return undefined;
    } finally {
      this.keeping = false;
    }
  }

  /** Decodes and validates; nothing runs until run(). */
  async load(text: string | undefined) {
    this.discard();
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
      this.discard();
      const { replayKeepable } = await import('../../share/share-client.ts');
      const kept = await replayKeepable(this.pack);
      const r = kept.result;
      if (r.ok) {
        this.scratch = kept;
        this.hasScratch = true;
      } else kept.discard();
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
