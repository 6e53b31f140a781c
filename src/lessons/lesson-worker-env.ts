// Imported first by the lesson and share workers. libpg-query's Emscripten glue looks for its
// wasm next to the running script, which in a worker is the worker's own chunk (assets/…), where
// the file is not. Point that request at the one copy beside index.html that the page itself
// loads (vite.config.ts emits it; the dev server answers the name anywhere), so a visit
// downloads and caches libpg-query's 1.7 MB once, not once per URL.
const target = new URL('../libpg-query.wasm', self.location.href).href;
const realFetch = self.fetch.bind(self);
self.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (/\/libpg-query\.wasm(\?.*)?$/.test(url) && url !== target) return realFetch(target, init);
  return realFetch(input, init);
}) as typeof fetch;
