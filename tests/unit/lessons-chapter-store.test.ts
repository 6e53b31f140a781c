// What a saved chapter database records about itself, and when it may open as it is: a
// database made from another version of the chapter's dataset is never opened silently.
import { describe, it, expect } from 'vitest';
import { chapterStoreName, madeFromCurrent, parseChapterMeta } from '../../src/lessons/chapter-store.ts';
import { buildHash, datasetHash } from '../../src/lessons/build-cache.ts';
import { storeFor } from '../../src/workspaces/registry.ts';
import { loadLessons } from '../../src/lessons/loader.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';

const chapters = loadLessons(readLessonFiles());
const indexes = chapters.find((c) => c.id === 'indexes')!;

describe('chapter stores', () => {
  it('are named apart from every workspace store and from the kept builds', () => {
    for (const c of chapters) {
      const name = chapterStoreName(c.id);
      expect(name).not.toBe('pglab-db');
      expect(name).not.toBe('pglab-chapter-builds');
      expect(name.startsWith('pglab-ws-')).toBe(false);
      expect(name).not.toBe(storeFor(c.id));
    }
    expect(new Set(chapters.map((c) => chapterStoreName(c.id))).size).toBe(chapters.length);
  });

  it('know the dataset they were made from: the same chapter hashes the same, a changed dataset differently, a new PGlite not at all', async () => {
    const same = await datasetHash(indexes);
    expect(await datasetHash({ ...indexes })).toBe(same);
    expect(await datasetHash({ ...indexes, dataset: indexes.dataset + '\ninsert into customers (name, email) values (\'x\', \'x@example.com\');' })).not.toBe(same);
    expect(await datasetHash({ ...indexes, extensions: [...indexes.extensions, 'hstore'] })).not.toBe(same);
    // The kept builds depend on the engine; a saved database does not (same major, same files).
    expect(await buildHash(indexes, 'main', 'pglite-0.5.17')).not.toBe(await buildHash(indexes, 'main', 'pglite-0.5.18'));
    for (const c of chapters) if (c.id !== indexes.id) expect(await datasetHash(c)).not.toBe(same);
  });

  it('open as they are only when made from this dataset, or kept for it by the learner', () => {
    const meta = { dataset: 'old', pristine: false, prepared: null };
    expect(madeFromCurrent(meta, 'old')).toBe(true);
    expect(madeFromCurrent(meta, 'new')).toBe(false);
    expect(madeFromCurrent({ ...meta, keptFor: 'new' }, 'new')).toBe(true);
    // Kept for one new version, asked again at the next one.
    expect(madeFromCurrent({ ...meta, keptFor: 'new' }, 'newer')).toBe(false);
    // No record (its write was refused): of unknown origin, asked too.
    expect(madeFromCurrent(undefined, 'new')).toBe(false);
  });

  it('read back their record, and take a malformed one for none', () => {
    expect(parseChapterMeta({ dataset: 'a', pristine: true, prepared: { id: 'indexes/x', setup: 'create table t ()' } }))
      .toEqual({ dataset: 'a', pristine: true, prepared: { id: 'indexes/x', setup: 'create table t ()' } });
    expect(parseChapterMeta({ dataset: 'a', keptFor: 'b', pristine: false, prepared: null })).toEqual({ dataset: 'a', keptFor: 'b', pristine: false, prepared: null });
    // A prepared setup without its text is no setup.
    expect(parseChapterMeta({ dataset: 'a', pristine: false, prepared: { id: 'x' } })?.prepared).toBeNull();
    for (const bad of [undefined, null, 'a', 3, {}, { dataset: 1, pristine: true }, { dataset: 'a' }, { dataset: 'a', pristine: 'yes' }]) {
      expect(parseChapterMeta(bad)).toBeUndefined();
    }
  });
});
