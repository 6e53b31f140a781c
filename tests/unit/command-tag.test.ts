import { describe, it, expect } from 'vitest';
import { commandTag } from '../../src/db/command-tag.ts';

describe('commandTag rebuilds psql-style tags', () => {
  it.each([
    ['SelectStmt', 'select 1', 3, undefined, 'SELECT 3'],
    ['InsertStmt', 'insert into t values (1)', 0, 2, 'INSERT 0 2'],
    ['UpdateStmt', 'update t set a = 1', 0, 5, 'UPDATE 5'],
    ['DeleteStmt', 'delete from t', 0, 0, 'DELETE 0'],
    ['CreateStmt', 'create temp table t (a int)', 0, undefined, 'CREATE TABLE'],
    ['IndexStmt', 'create unique index concurrently i on t (a)', 0, undefined, 'CREATE INDEX'],
    ['CreateFunctionStmt', 'create or replace function f() returns int language sql as $$ select 1 $$', 0, undefined, 'CREATE FUNCTION'],
    ['ViewStmt', 'CREATE MATERIALIZED VIEW mv AS SELECT 1', 0, undefined, 'CREATE MATERIALIZED VIEW'],
    ['DropStmt', 'drop table if exists t', 0, undefined, 'DROP TABLE'],
    ['TransactionStmt', 'begin', 0, undefined, 'BEGIN'],
    ['TransactionStmt', 'start transaction', 0, undefined, 'START TRANSACTION'],
    ['VariableSetStmt', 'set work_mem = 64', 0, undefined, 'SET'],
    ['VacuumStmt', 'analyze t', 0, undefined, 'ANALYZE'],
    ['CreateTableAsStmt', 'create table t2 as select 1', 1, undefined, 'SELECT 1'],
  ])('%s %s', (node, sql, rows, affected, tag) => {
    expect(commandTag(node, sql, rows, affected)).toBe(tag);
  });

  it('reports COMMIT of a failed transaction as ROLLBACK, as the server does', () => {
    expect(commandTag('TransactionStmt', 'commit', 0, undefined, true)).toBe('ROLLBACK');
    expect(commandTag('TransactionStmt', 'commit', 0, undefined, false)).toBe('COMMIT');
  });
});
