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
