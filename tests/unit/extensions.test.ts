import { describe, it, expect } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { extensionsFor, missingExtension, namesOf } from '../../src/db/extensions.ts';
import { toErrorInfo } from '../../src/db/error-info.ts';

describe('extensions loaded on demand', () => {
  it('always keeps pg_stat_statements and maps SQL names to PGlite bundles', () => {
    expect(namesOf(extensionsFor([]))).toEqual(['pg_stat_statements']);
    expect(namesOf(extensionsFor(['uuid-ossp', 'pgcrypto', 'no_such_thing'])).sort()).toEqual(['pg_stat_statements', 'pgcrypto', 'uuid-ossp']);
  });

  it('recognises PostgreSQL\'s answer to CREATE EXTENSION of one whose files are not loaded', async () => {
    const db = await PGlite.create({ extensions: extensionsFor([]) });
    const error = await db.exec('create extension "uuid-ossp"').then(() => undefined, toErrorInfo);
    expect(missingExtension(error)).toBe('uuid-ossp');
    const other = await db.exec('create extension postgis').then(() => undefined, toErrorInfo);
    expect(other?.code).toBe('0A000');
    expect(missingExtension(other)).toBeUndefined(); // not one pglab ships
    expect(missingExtension(await db.exec('select 1/0').then(() => undefined, toErrorInfo))).toBeUndefined();
    await db.close();
    const loaded = await PGlite.create({ extensions: extensionsFor(['uuid-ossp']) });
    await loaded.exec('create extension "uuid-ossp"');
    expect((await loaded.query<{ n: number }>(`select length(uuid_generate_v4()::text) as n`)).rows[0].n).toBe(36);
    await loaded.close();
  });
});
