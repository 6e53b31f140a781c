// A migration revision as Alembic models it: an id, the revisions it follows (none for a base,
// several for a merge), a message, and the SQL that applies and reverts it.

export interface Revision {
  /** Alembic-style id: 12 lowercase hex digits when generated here; any [A-Za-z0-9_] string is accepted. */
  id: string;
  /** The revisions this one follows: [] for a base, one for a plain step, several for a merge. */
  downRevision: string[];
  message: string;
  upgrade: string;
  downgrade: string;
  /** ISO 8601. */
  createdAt: string;
  /** Alembic's branch_labels, kept for export. */
  branchLabels?: string[];
  /** Alembic's depends_on: ordering without being a parent. */
  dependsOn?: string[];
}

/** An error in the revisions themselves or in a target: nothing was changed when it is thrown. */
export class RevisionError extends Error {
  override name = 'RevisionError';
}

const ID = /^[A-Za-z0-9_]+$/;

/** A fresh 12-hex-digit id, as `alembic revision` makes (uuid4's first 12 digits). */
export function newRevisionId(): string {
  const random = (b: Uint8Array<ArrayBuffer>) => crypto.getRandomValues(b);
  return [...random(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function makeRevision(fields: Partial<Revision> & Pick<Revision, 'message'>): Revision {
  const r: Revision = {
    id: fields.id ?? newRevisionId(),
    downRevision: fields.downRevision ?? [],
    message: fields.message,
    upgrade: fields.upgrade ?? '',
    downgrade: fields.downgrade ?? '',
    createdAt: fields.createdAt ?? new Date().toISOString(),
    ...(fields.branchLabels?.length ? { branchLabels: fields.branchLabels } : {}),
    ...(fields.dependsOn?.length ? { dependsOn: fields.dependsOn } : {}),
  };
  checkRevisionShape(r);
  return r;
}

/** Refuses a revision that cannot be stored or exported (ids must be safe in Python and SQL). */
export function checkRevisionShape(r: Revision): void {
  if (!ID.test(r.id)) throw new RevisionError(`revision id '${r.id}' is not valid: use letters, digits and underscores only`);
  if (r.id.length > 32) throw new RevisionError(`revision id '${r.id}' is longer than 32 characters (alembic_version.version_num is varchar(32))`);
  for (const d of [...r.downRevision, ...(r.dependsOn ?? [])]) {
    if (!ID.test(d)) throw new RevisionError(`revision ${r.id}: down_revision '${d}' is not a valid revision id`);
  }
  if (r.downRevision.includes(r.id)) throw new RevisionError(`revision ${r.id} lists itself as its down_revision`);
  if (new Set(r.downRevision).size !== r.downRevision.length) throw new RevisionError(`revision ${r.id} lists the same down_revision twice`);
  if (Number.isNaN(Date.parse(r.createdAt))) throw new RevisionError(`revision ${r.id}: created at '${r.createdAt}' is not a date`);
}

/** Revisions as stored per workspace (JSON), with a shape check on the way in. */
export function revisionsToJson(revisions: Revision[]): string {
  return JSON.stringify({ version: 1, revisions }, null, 2);
}

export function revisionsFromJson(text: string): Revision[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RevisionError(`the revisions file is not JSON: ${(e as Error).message}`);
  }
  const list = (data as { revisions?: unknown })?.revisions;
  if (!Array.isArray(list)) throw new RevisionError('the revisions file has no "revisions" list');
  return list.map((raw, i) => {
    const r = raw as Record<string, unknown>;
    const str = (k: string) => {
      if (typeof r[k] !== 'string') throw new RevisionError(`revision #${i + 1}: "${k}" must be a string`);
      return r[k] as string;
    };
    const strs = (k: string) => {
      const v = r[k] ?? [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new RevisionError(`revision #${i + 1}: "${k}" must be a list of ids`);
      return v as string[];
    };
    return makeRevision({
      id: str('id'),
      downRevision: strs('downRevision'),
      message: str('message'),
      upgrade: str('upgrade'),
      downgrade: str('downgrade'),
      createdAt: str('createdAt'),
      branchLabels: strs('branchLabels'),
      dependsOn: strs('dependsOn'),
    });
  });
}
