import { PGlite } from '@electric-sql/pglite';
// Stock PGlite has initdb's glue in its start-up bundle; pglab's build loads it only when initdb
// runs (scripts/lazy-initdb-glue.ts). Imported here, the reference keeps the stock start-up.
import 'pglite-initdb-glue';

const db = await PGlite.create();
const r = await db.query<{ one: number }>('select 1 as one');
postMessage(r.rows[0].one);
