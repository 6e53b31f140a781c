#!/usr/bin/env node
// The `pglab` command (package.json "bin"): runs src/cli/main.ts through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const status = await main(process.argv.slice(2));
// Output is flushed by main; exit now so no handle (a PGlite instance, a socket) can keep us alive.
process.exit(status);
