import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import {
  activate, add, checkName, freeName, keep, keysFor, LEGACY_DRAFT_KEY, LEGACY_HISTORY_KEY, LEGACY_STORE,
  manifestBytes, migrate, readRegistry, remove, rename, WorkspaceError,
} from '../../src/workspaces/registry.ts';
import { manifestFrom } from '../../src/db/store-layout.ts';

const NOW = 1_780_000_000_000;

describe('workspace registry', () => {
  it('migrates a browser that had only the playground: its store and keys become the first workspace, untouched', () => {
    const reg = readRegistry(null, NOW);
    expect(reg.workspaces).toEqual([{ id: 'playground', name: 'playground', store: LEGACY_STORE, created: NOW }]);
    expect(reg.active).toBe('playground');
    expect(keysFor(reg.workspaces[0])).toEqual({ draft: LEGACY_DRAFT_KEY, history: LEGACY_HISTORY_KEY, revisions: 'pglab.migrations.revisions' });
  });

  it('adopts the store a real pglab saved (fixture): the workspace points at it, so its every byte is the same', () => {
    const dump = JSON.parse(brotliDecompressSync(readFileSync('tests/fixtures/stores/pglite-0.5.16.json.br')).toString());
    const manifest = dump.meta.find(([k]: [string]) => k === 'manifest')[1];
    const bytes = manifestBytes(manifest);
    let expected = 0;
    for (const e of manifestFrom(manifest).values()) if (!('dir' in e)) expected += e.size;
    expect(bytes).toBe(expected);
    expect(bytes).toBeGreaterThan(10_000_000);
    expect(migrate(NOW).workspaces[0].store).toBe('pglab-db');
  });

  it('reads a damaged record as the migrated one, and drops malformed or duplicate entries', () => {
    expect(readRegistry('{not json', NOW).workspaces[0].store).toBe(LEGACY_STORE);
    expect(readRegistry('{"version":2,"workspaces":[]}', NOW).workspaces).toHaveLength(1);
    const raw = JSON.stringify({
      version: 1, active: 'gone',
      workspaces: [
        { id: 'a', name: 'A', store: 'pglab-ws-a', created: 1 },
        { id: 'a', name: 'A again', store: 'pglab-ws-a2', created: 1 },
        { id: 'b', name: 'B', store: 'pglab-ws-a', created: 1 },
        { id: 'c', name: 7, store: 'x', created: 1 },
        { id: 'd', name: 'D', store: 'pglab-ws-d', created: 2 },
      ],
    });
    const reg = readRegistry(raw, NOW);
    expect(reg.workspaces.map((w) => w.id)).toEqual(['a', 'd']);
    expect(reg.active).toBe('a');
  });

  it('creates, renames, keeps, activates and removes; each workspace has its own store and keys', () => {
    let reg = migrate(NOW);
    const made = add(reg, '  orders   demo ', { now: NOW, id: 'w1' });
    reg = made.reg;
    expect(made.workspace).toEqual({ id: 'w1', name: 'orders demo', store: 'pglab-ws-w1', created: NOW });
    expect(keysFor(made.workspace)).toEqual({ draft: 'pglab.draft.v1:w1', history: 'pglab.history.v1:w1', revisions: 'pglab.migrations.revisions:w1' });
    reg = add(reg, 'shared link', { now: NOW, id: 'w2', scratch: true }).reg;
    expect(reg.workspaces[2].scratch).toBe(true);
    reg = keep(reg, 'w2', 'kept repro');
    expect(reg.workspaces[2]).toEqual({ id: 'w2', name: 'kept repro', store: 'pglab-ws-w2', created: NOW });
    reg = rename(reg, 'w1', 'Orders');
    reg = rename(reg, 'w1', 'orders'); // its own name, in another case
    reg = activate(reg, 'w1');
    const gone = remove(reg, 'w1');
    expect(gone.removed.store).toBe('pglab-ws-w1');
    expect(gone.reg.active).toBe('playground');
    expect(gone.reg.workspaces.map((w) => w.name)).toEqual(['playground', 'kept repro']);
  });

  it('refuses bad names and the last deletion with clear messages', () => {
    const reg = add(migrate(NOW), 'demo', { now: NOW, id: 'w1' }).reg;
    expect(() => checkName(reg, '   ')).toThrow('A workspace needs a name.');
    expect(() => checkName(reg, 'x'.repeat(61))).toThrow('at most 60');
    expect(() => checkName(reg, 'a\u0007b')).toThrow('control characters');
    expect(() => checkName(reg, 'PLAYGROUND')).toThrow('There is already a workspace named “playground”.');
    expect(() => rename(reg, 'w1', 'Playground')).toThrow(WorkspaceError);
    expect(() => rename(reg, 'nope', 'x')).toThrow('does not exist');
    expect(() => remove(remove(reg, 'w1').reg, 'playground')).toThrow('The last workspace cannot be deleted');
    expect(() => add(reg, 'again', { now: NOW, id: 'w1' })).toThrow('exists already');
  });

  it('finds a free name', () => {
    let reg = migrate(NOW);
    expect(freeName(reg, 'demo')).toBe('demo');
    reg = add(reg, 'demo', { now: NOW, id: 'a' }).reg;
    reg = add(reg, 'Demo 2', { now: NOW, id: 'b' }).reg;
    expect(freeName(reg, 'demo')).toBe('demo 3');
    expect(freeName(reg, 'playground')).toBe('playground 2');
    expect(freeName(reg, '  ')).toBe('workspace');
  });
});
