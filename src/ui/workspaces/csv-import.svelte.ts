// Importing a CSV file into a new or an existing table: read and previewed (columns, guessed
// types, first rows, problems by line) before anything is written; loading runs as a playground
// run, so its result (or PostgreSQL's error, with the file's line) shows with the others.
import type { Playground } from '../state/playground.svelte.ts';
import type { CsvPreview } from '../../workspaces/csv.ts';
import { ensureRoom } from '../../workspaces/stores.ts';
import { csvNeed } from '../../workspaces/room.ts';
import { quoteIdent } from '../../workspaces/sql-names.ts';

// The CSV parser (papaparse) loads on the first import, not with the playground.
let csvModule: Promise<typeof import('../../workspaces/csv.ts')> | undefined;
const csv = () => (csvModule ??= import('../../workspaces/csv.ts'));

export class CsvImport {
  fileName = $state('');
  private text = '';
  header = $state(true);
  /** '' : guessed by the parser. */
  delimiter = $state('');
  table = $state('');
  create = $state(true);
  preview = $state.raw<CsvPreview | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly pg: Playground) {}

  async choose(file: File) {
    this.error = null;
    this.preview = null;
    try {
      // COPY's inline rows and the table both take room: refuse before reading what cannot fit.
      await ensureRoom(csvNeed(file.size, file.name, 'Nothing was read or loaded.'));
      this.text = await file.text();
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    this.fileName = file.name;
    this.table = file.name.replace(/\.[^.]+$/, '').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'imported';
    await this.reread();
  }

  /** Parses again with the header and delimiter as now chosen. */
  async reread() {
    if (!this.fileName) return;
    let readCsv;
    try {
      ({ readCsv } = await csv());
    } catch (e) {
      csvModule = undefined;
      this.error = `The CSV reader could not be loaded: ${(e as Error).message}`;
      return;
    }
    this.preview = readCsv(this.text, { header: this.header, delimiter: this.delimiter || undefined });
  }

  async load() {
    const p = this.preview;
    if (!p || !this.table.trim()) return;
    const name = this.table.includes('.') ? this.table.split('.').map((x) => quoteIdent(x.trim())).join('.') : quoteIdent(this.table.trim());
    const { loadScript } = await csv();
    const script = loadScript(p, name, { create: this.create });
    this.cancel();
    await this.pg.run(script);
  }

  cancel() {
    this.fileName = '';
    this.text = '';
    this.preview = null;
  }
}
