// Where the prepared data directory lives, building it when missing. Its name carries a hash
// of PGlite's version and of the files that shape a new cluster, so a change rebuilds it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SHAPING = ['src/db/engine.ts', 'src/db/extensions.ts', 'src/db/settings.ts', 'src/db/wal-trim.ts', 'src/db/datadir-snapshot.ts', 'src/db/mirror-store.ts', 'scripts/make-seed.ts', 'node_modules/@electric-sql/pglite/package.json'];

export function seedPath(root = process.cwd()): string {
  const hash = createHash('sha256');
  for (const f of SHAPING) hash.update(readFileSync(join(root, f)));
  const dir = join(root, 'node_modules/.cache/pglab');
  const file = join(dir, `seed-${hash.digest('hex').slice(0, 12)}.pgseed`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npx', ['tsx', join(root, 'scripts/make-seed.ts'), file], { stdio: 'inherit', cwd: root });
  }
  return file;
}
