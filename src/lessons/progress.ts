// Progress per exercise, kept in localStorage and exported/imported as a JSON file. Pure: the
// storage is passed in, so unit tests use a Map and the page uses localStorage. Version 2 adds,
// per exercise, the answer that passed with what it was checked against, so an instructor's
// `pglab lessons grade` can check it again (a pass is never taken on the file's word).

export interface ExerciseProgress {
  passed: boolean;
  /** ISO time of the first success. */
  passedAt?: string;
  /** Hints revealed (they stay revealed). */
  hintsUsed: number;
  solutionSeen: boolean;
  /** The learner's last SQL in the exercise's editor. */
  lastSql?: string;
  /** Checks run. */
  attempts: number;
  /** The answer that passed (the last one), for the learner and for grading. */
  answer?: PassedAnswer;
}

export interface PassedAnswer {
  sql: string;
  /** exerciseHash() of the exercise it passed (src/lessons/pack.ts); null where it could not be computed. */
  hash: string | null;
  /** The lesson pack the chapter came from; null for a built-in chapter. */
  pack: { id: string; hash: string | null } | null;
}

export type ProgressMap = Record<string, ExerciseProgress>;

export interface ProgressFile {
  format: typeof FORMAT;
  version: 2;
  exportedAt: string;
  /** Who the file is from (typed in by the learner), for the instructor's table. */
  learner?: string;
  exercises: ProgressMap;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const FORMAT = 'pglab-lesson-progress';
export const STORAGE_KEY = 'pglab.lessons.progress.v1';
const MAX_SQL = 100_000;

export const emptyProgress = (): ExerciseProgress => ({ passed: false, hintsUsed: 0, solutionSeen: false, attempts: 0 });

export type ParseResult = { ok: true; exercises: ProgressMap } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates one exercise's entry; returns a message for the first problem. */
function entryOf(id: string, v: unknown): ExerciseProgress | string {
  const where = `the entry "${id}"`;
  if (!/^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*$/i.test(id)) return `"${id}" is not an exercise id (expected "chapter/exercise")`;
  if (!isObject(v)) return `${where} is not an object`;
  if (typeof v.passed !== 'boolean') return `${where} has no "passed": true or false`;
  const hints = v.hintsUsed ?? 0;
  if (typeof hints !== 'number' || !Number.isInteger(hints) || hints < 0 || hints > 1000) return `${where} has a "hintsUsed" that is not a count`;
  const seen = v.solutionSeen ?? false;
  if (typeof seen !== 'boolean') return `${where} has a "solutionSeen" that is not true or false`;
  const attempts = v.attempts ?? 0;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) return `${where} has an "attempts" that is not a count`;
  if (v.lastSql !== undefined && (typeof v.lastSql !== 'string' || v.lastSql.length > MAX_SQL)) return `${where} has a "lastSql" that is not a text (or is too long)`;
  if (v.passedAt !== undefined && (typeof v.passedAt !== 'string' || Number.isNaN(Date.parse(v.passedAt)))) return `${where} has a "passedAt" that is not a date`;
  const answer = v.answer === undefined ? undefined : answerOf(v.answer);
  if (typeof answer === 'string') return `${where} has an "answer" that ${answer}`;
  const out: ExerciseProgress = { passed: v.passed, hintsUsed: hints, solutionSeen: seen, attempts };
  if (answer) out.answer = answer;
  if (v.lastSql !== undefined) out.lastSql = v.lastSql as string;
  if (v.passedAt !== undefined) out.passedAt = v.passedAt as string;
  return out;
}

const HASH = /^[0-9a-f]{64}$/;
const hashOrNull = (h: unknown) => h === null || (typeof h === 'string' && HASH.test(h));

function answerOf(a: unknown): PassedAnswer | string {
  if (!isObject(a)) return 'is not an object';
  if (typeof a.sql !== 'string' || !a.sql.trim() || a.sql.length > MAX_SQL) return 'has no "sql" text (or it is too long)';
  if (!hashOrNull(a.hash)) return 'has a "hash" that is not a SHA-256';
  let pack: PassedAnswer['pack'] = null;
  if (a.pack !== null) {
    if (!isObject(a.pack) || typeof a.pack.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(a.pack.id) || !hashOrNull(a.pack.hash)) return 'has a "pack" that is not { id, hash } or null';
    pack = { id: a.pack.id, hash: a.pack.hash as string | null };
  }
  return { sql: a.sql, hash: a.hash as string | null, pack };
}

export type ProgressFileContent = { ok: true; exercises: ProgressMap; learner?: string } | { ok: false; error: string };

/** Reads an exported progress file; any problem rejects the whole file with a message. */
export function parseProgressFile(text: string): ProgressFileContent {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: 'The file is not JSON: choose a file made by "Export progress".' };
  }
  if (!isObject(data) || data.format !== FORMAT) return { ok: false, error: 'The file is not a pglab progress file (its "format" is not "pglab-lesson-progress").' };
  if (data.version !== 1 && data.version !== 2) return { ok: false, error: `The file has version ${JSON.stringify(data.version)}; this pglab reads versions 1 and 2.` };
  if (data.learner !== undefined && (typeof data.learner !== 'string' || data.learner.length > 200)) return { ok: false, error: 'The file has a "learner" that is not a name.' };
  if (!isObject(data.exercises)) return { ok: false, error: 'The file has no "exercises" object.' };
  const exercises: ProgressMap = {};
  for (const [id, v] of Object.entries(data.exercises)) {
    const e = entryOf(id, v);
    if (typeof e === 'string') return { ok: false, error: `The file is damaged: ${e}. Nothing was imported.` };
    exercises[id] = e;
  }
  const out: ProgressFileContent = { ok: true, exercises };
  if (typeof data.learner === 'string' && data.learner.trim()) out.learner = data.learner.trim();
  return out;
}

/** Imported progress on top of this browser's: a pass, a hint or a seen solution is never lost. */
export function mergeProgress(mine: ExerciseProgress | undefined, theirs: ExerciseProgress): ExerciseProgress {
  if (!mine) return { ...theirs };
  const out: ExerciseProgress = {
    passed: mine.passed || theirs.passed,
    hintsUsed: Math.max(mine.hintsUsed, theirs.hintsUsed),
    solutionSeen: mine.solutionSeen || theirs.solutionSeen,
    attempts: Math.max(mine.attempts, theirs.attempts),
  };
  const passedAt = [mine.passedAt, theirs.passedAt].filter((d): d is string => !!d).sort()[0];
  if (passedAt) out.passedAt = passedAt;
  const sql = theirs.lastSql ?? mine.lastSql;
  if (sql !== undefined) out.lastSql = sql;
  const answer = theirs.answer ?? mine.answer;
  if (answer) out.answer = answer;
  return out;
}

export class ProgressStore {
  private data: ProgressMap;

  constructor(private storage: KeyValueStore, private key = STORAGE_KEY) {
    this.data = this.load();
  }

  private load(): ProgressMap {
    let raw: string | null = null;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return {};
    }
    if (!raw) return {};
    // Stored as the export format, so a damaged store is read as far as it is valid.
    const r = parseProgressFile(raw);
    return r.ok ? r.exercises : {};
  }

  private save() {
    try {
      this.storage.setItem(this.key, this.exportJson());
    } catch {
      // A full or blocked store must not break the lesson; progress stays for this visit.
    }
  }

  get(id: string): ExerciseProgress {
    return this.data[id] ?? emptyProgress();
  }

  /** A copy of everything, for rendering. */
  all(): ProgressMap {
    return structuredClone(this.data);
  }

  update(id: string, change: Partial<ExerciseProgress> | ((p: ExerciseProgress) => Partial<ExerciseProgress>)): ExerciseProgress {
    const cur = this.get(id);
    const patch = typeof change === 'function' ? change(cur) : change;
    const next = { ...cur, ...patch };
    if (next.passed && !next.passedAt) next.passedAt = new Date().toISOString();
    this.data = { ...this.data, [id]: next };
    this.save();
    return next;
  }

  markPassed(id: string, answer?: PassedAnswer) {
    return this.update(id, (p) => ({ passed: true, attempts: p.attempts + 1, ...(answer ? { answer: { ...answer, sql: answer.sql.slice(0, MAX_SQL) } } : {}) }));
  }

  markAttempt(id: string) {
    return this.update(id, (p) => ({ attempts: p.attempts + 1 }));
  }

  revealHint(id: string, total: number) {
    return this.update(id, (p) => ({ hintsUsed: Math.min(total, p.hintsUsed + 1) }));
  }

  markSolutionSeen(id: string) {
    return this.update(id, { solutionSeen: true });
  }

  saveSql(id: string, sql: string) {
    if (this.get(id).lastSql === sql) return this.get(id);
    return this.update(id, { lastSql: sql.slice(0, MAX_SQL) });
  }

  exportJson(learner?: string): string {
    const file: ProgressFile = { format: FORMAT, version: 2, exportedAt: new Date().toISOString(), exercises: this.data };
    if (learner?.trim()) file.learner = learner.trim().slice(0, 200);
    return JSON.stringify(file, null, 2);
  }

  /** Merges a progress file; a malformed file changes nothing. */
  importJson(text: string): { ok: true; count: number } | { ok: false; error: string } {
    const r = parseProgressFile(text);
    if (!r.ok) return r;
    const next = { ...this.data };
    for (const [id, p] of Object.entries(r.exercises)) next[id] = mergeProgress(next[id], p);
    this.data = next;
    this.save();
    return { ok: true, count: Object.keys(r.exercises).length };
  }
}
