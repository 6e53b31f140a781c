/// <reference types="vite-plugin-pwa/vanillajs" />
// Values the build fills in (vite.config.ts, `define`).

/** Bytes of pglite.wasm, pglite.data and the prepared cluster: the total a first start downloads. */
declare const __PGLAB_START_BYTES__: { pglite: number; data: number; seed: number };
