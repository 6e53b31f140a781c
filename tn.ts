import { startNativePg } from './tests/support/native-pg.ts';
import pg from 'pg';
const t = Date.now();
const s = await startNativePg();
console.log('started', Date.now()-t, s.url);
const c = new pg.Client(s.url); await c.connect();
console.log((await c.query('select version()')).rows[0]);
await c.query('create extension pg_stat_statements');
await c.end(); await s.stop(); console.log('stopped');
