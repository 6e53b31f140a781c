/// <reference types="vitest/config" />
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedPath } from './scripts/seed-path.ts';
import { lazyInitdb } from './scripts/lazy-initdb-glue.ts';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { precompress } from './scripts/precompress.ts';
import { longestFirst } from './scripts/longest-first.ts';

const here = dirname(fileURLToPath(import.meta.url));

// PGlite contains a direct eval (in Emscripten glue); we never eval content ourselves.
const noEvalCheck = { checks: { eval: false } };

/**
 * libpg-query's Emscripten glue fetches `libpg-query.wasm` next to the script it believes it runs
 * from (the page's folder once built; the dependency cache in development), a reference Vite
 * cannot see: the build emits the file next to index.html, the dev server answers any such path.
 */
function libpgQueryWasm(): Plugin {
  const require = createRequire(import.meta.url);
  const wasm = require.resolve('libpg-query').replace(/index\.c?js$/, 'libpg-query.wasm');
  return {
    name: 'pglab:libpg-query-wasm',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'libpg-query.wasm', source: readFileSync(wasm) });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const [path, query = ''] = (req.url ?? '').split('?');
        // `?import&url` asks for the module that names the file: Vite answers that one.
        if (!path.endsWith('/libpg-query.wasm') || query.includes('import')) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(wasm));
      });
    },
  };
}

/**
 * PGlite's and libpg-query's Emscripten glue import `node:module`, `node:fs` and `node:crypto`
 * only in branches that run under Node. In the browser build they resolve to an empty module,
 * instead of Vite's stand-in, which warns about each one on every build.
 */
function nodeOnlyImports(): Plugin {
  const id = '\0pglab:node-only';
  const glue = /[\\/](@electric-sql[\\/]pglite[\\/]dist|libpg-query[\\/]wasm)[\\/]/;
  return {
    name: 'pglab:node-only-imports',
    apply: 'build',
    enforce: 'pre',
    resolveId: (source, importer) => (/^node:(module|fs|crypto)$/.test(source) && importer && glue.test(importer) ? id : null),
    load: (loaded) => (loaded === id ? 'export default {};' : null),
  };
}

/**
 * The service worker (Workbox, through vite-plugin-pwa) keeps the whole site for offline use
 * after one visit: the app, PostgreSQL's wasm and files, the prepared cluster, every view's
 * code and every extension bundle, so a chapter never opened before also works offline. A new
 * version waits until the user says so (src/ui/state/app-update.svelte.ts).
 */
function offline() {
  return VitePWA({
    registerType: 'prompt',
    injectRegister: false,
    includeAssets: ['favicon.svg'],
    manifest: {
      name: 'pglab — PostgreSQL in your browser',
      short_name: 'pglab',
      description: 'Learn and experiment with PostgreSQL 18 in the browser: a playground, lessons, analyzers and a plan workbench.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#14171a',
      theme_color: '#336791',
      icons: [
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
      ],
    },
    workbox: {
      globPatterns: ['**/*.{html,js,css,svg,png,wasm,data,pgseed,gz,webmanifest}'],
      // Not the precompressed copies (scripts/precompress.ts): the server picks those per request.
      // Not pgcrypto's 1.1 MB bundle: an extension bundle that big is kept once it is used.
      globIgnores: ['**/*.{html,js,css,svg,wasm,data,json,webmanifest,txt}.gz', '**/*.br', '**/pgcrypto.tar-*.gz'],
      runtimeCaching: [{ urlPattern: /\.tar-[\w-]+\.gz$/, handler: 'CacheFirst', options: { cacheName: 'pglab-extensions' } }],
      // pglite.wasm is 9.1 MB: everything the site has must fit.
      maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      // Vite's hashed names already change with the content: no revision query needed.
      dontCacheBustURLsMatching: /-[\w-]{8}\./,
      navigateFallback: 'index.html',
      cleanupOutdatedCaches: true,
      // The first visit's page is controlled as soon as everything is stored (a new version still waits).
      clientsClaim: true,
    },
  });
}

/** What a first start downloads, so the page can show its progress in bytes of the total (pglite-assets.ts). */
function startBytes(seed: string) {
  const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  return { pglite: statSync(join(dist, 'pglite.wasm')).size, data: statSync(join(dist, 'pglite.data')).size, seed: statSync(seed).size };
}
const seed = seedPath();

// `npm run bench` adds its reference page (bare PGlite boot); the product build does not ship it.
const input: Record<string, string> = process.env.PGLAB_BENCH ? { app: 'index.html', bench: 'bench/boot.html' } : { app: 'index.html' };

export default defineConfig({
  base: './', // works from any sub-path of any static host
  plugins: [svelte(), libpgQueryWasm(), nodeOnlyImports(), offline(), precompress()],
  // The prepared data directory a first visit starts from (scripts/seed-path.ts builds it once).
  resolve: {
    alias: [
      { find: /^pglab-seed\.pgseed/, replacement: seed },
      // The bench's bare PGlite page imports initdb's glue up front, as stock PGlite does.
      { find: /^pglite-initdb-glue$/, replacement: join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'initdb.js') },
    ],
  },
  define: { __PGLAB_START_BYTES__: JSON.stringify(startBytes(seed)) },
  // PGlite finds its wasm and data through import.meta.url: it must not be pre-bundled.
  optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  // PGlite runs in workers: there, initdb's glue loads only when initdb runs.
  worker: { format: 'es', plugins: () => [lazyInitdb(), nodeOnlyImports()], rolldownOptions: noEvalCheck },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
    rolldownOptions: { ...noEvalCheck, input },
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest takes one core less than the machine has: on CI's two, that is one worker, and
    // PGlite is single-threaded, so the second core idled.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Longest files first, from their recorded durations: on a fresh clone vitest orders by size.
    sequence: { sequencer: longestFirst(here, join(here, 'tests/unit-durations.json')) },
  },
});
