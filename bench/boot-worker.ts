import { PGlite } from '@electric-sql/pglite';

const db = await PGlite.create();
const r = await db.query<{ one: number }>('select 1 as one');
postMessage(r.rows[0].one);
