import { describe, it, expect } from 'vitest';
import { pickStorage, startOptionsFromName, workerName } from '../../src/db/start-options.ts';

describe('the first worker gets its start options in its name', () => {
  it('round-trips the options', () => {
    const o = { storage: 'idb' as const, seed: true, extensions: ['pg_trgm', 'uuid-ossp'], saving: true, store: 'pglab-ws-w1' };
    expect(startOptionsFromName(workerName(o))).toEqual(o);
    // A name from before workspaces opens the first workspace's store.
    expect(startOptionsFromName('pglab-db ' + JSON.stringify({ storage: 'idb', seed: true, extensions: [], saving: true }))?.store).toBe('pglab-db');
    expect(startOptionsFromName(workerName({ ...o, seed: false, storage: 'memory', saving: false }))).toEqual({ ...o, seed: false, storage: 'memory', saving: false });
  });

  it('a worker with another name, or a mangled one, waits for init', () => {
    expect(startOptionsFromName('pglab-db')).toBeUndefined();
    expect(startOptionsFromName('')).toBeUndefined();
    expect(startOptionsFromName('pglab-db {not json')).toBeUndefined();
  });

  it('picks IndexedDB unless the URL names another storage', () => {
    expect(pickStorage('')).toBe('idb');
    expect(pickStorage('?storage=memory')).toBe('memory');
    expect(pickStorage('?storage=idbfs')).toBe('idbfs');
    expect(pickStorage('?storage=../../etc')).toBe('idb');
  });
});
