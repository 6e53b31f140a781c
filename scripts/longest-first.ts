// Vitest's order for files it has never run (a fresh clone: no cache) is by file size, largest
// first, which puts the small wrappers of the heavy adversarial corpora last: on two workers the
// longest file then starts near the end and the whole stage waits for it. This orders the files by
// their recorded duration (tests/unit-durations.json, `npm run test:durations` after a run),
// longest first, and files without a record first of all (as vitest runs unknown files first).
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';

type Spec = { moduleId: string };

function readDurations(file: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** The sequencer class for vitest's `sequence.sequencer`, over a durations record. */
export function longestFirst(root: string, durationsFile: string) {
  return class LongestFirst {
    async shard<T extends Spec>(files: T[]): Promise<T[]> {
      return files; // pglab does not shard its runs
    }

    async sort<T extends Spec>(files: T[]): Promise<T[]> {
      const durations = readDurations(durationsFile);
      const weight = (f: T) => {
        const known = durations[relative(root, f.moduleId)];
        // Unknown files go first, largest first; then the recorded ones, longest first.
        return known === undefined ? Number.MAX_SAFE_INTEGER / 2 + statSync(f.moduleId).size : known;
      };
      return [...files].sort((a, b) => weight(b) - weight(a));
    }
  };
}
