// Imported first by the lesson worker. libpg-query's Emscripten glue looks for its wasm next to
// the running script, which in a worker is the worker's own chunk (assets/…), where the file is
// not: point that one request at the copy Vite emits for this import.
import pgQueryWasmUrl from 'libpg-query/wasm/libpg-query.wasm?url';

const target = new URL(pgQueryWasmUrl, self.location.href).href;
const realFetch = self.fetch.bind(self);
self.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (/\/libpg-query\.wasm(\?.*)?$/.test(url) && url !== target) return realFetch(target, init);
  return realFetch(input, init);
}) as typeof fetch;
