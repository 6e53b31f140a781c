/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// PGlite contains a direct eval (in Emscripten glue); we never eval content ourselves.
const noEvalCheck = { checks: { eval: false } };

export default defineConfig({
  base: './', // works from any sub-path of any static host
  plugins: [svelte()],
  optimizeDeps: { exclude: ['@electric-sql/pglite', 'libpg-query'] },
  worker: { format: 'es', rolldownOptions: noEvalCheck },
  build: { target: 'es2022', rolldownOptions: noEvalCheck },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
