// Precompressed copies of the build (`name.br`, `name.gz` beside `name`), and a preview-server
// middleware that sends them, so `npm start` serves what a well-set static host would (a host
// that compresses on the fly sends JavaScript gzip'd at level 6 and the 9 MB wasm as is).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connect, Plugin, PreviewServer } from 'vite';

/** What compresses (text, code, wasm, PGlite's file bundle), with the type each is sent as. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};
const MIN_BYTES = 1024;
// Above 1 MB, quality 10 with a 16 MB window: on the 9 MB wasm it is 7 % smaller than quality 9
// (2.70 against 2.92 MB) for ~45 s once (then cached); quality 11 takes minutes.
const BIG = 1 << 20;
const SETTINGS = 'br:q11/q10-lgwin24-above-1MB;gz:9';
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function brotli(data: Buffer): Promise<Buffer> {
  const big = data.byteLength > BIG;
  return brotliAsync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: big ? 10 : 11,
      [constants.BROTLI_PARAM_LGWIN]: big ? 24 : 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
    },
  });
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

/**
 * Writes `.br` and `.gz` beside every compressible file of `outDir`; a cache keyed by content
 * makes rebuilds free. zlib compresses on libuv's threads, so the big files go in parallel.
 */
export async function precompressDir(outDir: string, cacheDir: string): Promise<{ files: number; bytes: number; br: number; gz: number }> {
  mkdirSync(cacheDir, { recursive: true });
  const sum = { files: 0, bytes: 0, br: 0, gz: 0 };
  const one = async (file: string) => {
    const data = readFileSync(file);
    if (data.byteLength < MIN_BYTES) return;
    // The settings are part of the key: changing them recompresses.
    const key = createHash('sha256').update(SETTINGS).update(data).digest('hex').slice(0, 32);
    for (const [suffix, make] of [['.br', brotli], ['.gz', (d: Buffer) => gzipAsync(d, { level: 9 })]] as const) {
      const cached = join(cacheDir, key + suffix);
      if (!existsSync(cached)) writeFileSync(cached, await make(data));
      const out = readFileSync(cached);
      writeFileSync(file + suffix, out);
      sum[suffix === '.br' ? 'br' : 'gz'] += out.byteLength;
    }
    sum.files++;
    sum.bytes += data.byteLength;
  };
  await Promise.all([...files(outDir)].filter((f) => extname(f) in TYPES).map(one));
  return sum;
}

/** The build step: after every other plugin (the service worker is written first, then compressed too). */
export function precompress(cacheDir = resolve('node_modules/.cache/pglab/precompressed')): Plugin {
  let outDir = 'dist';
  return {
    name: 'pglab:precompress',
    // The build writes the copies; the preview server (command 'serve') sends them.
    apply: (_config, env) => env.command === 'build' || env.isPreview === true,
    enforce: 'post',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        const s = await precompressDir(outDir, cacheDir);
        const mb = (n: number) => (n / 1048576).toFixed(1);
        this.info?.(`precompressed ${s.files} files: ${mb(s.bytes)} MB → ${mb(s.br)} MB brotli, ${mb(s.gz)} MB gzip`);
      },
    },
    configurePreviewServer(server) {
      // PGLAB_PRECOMPRESSED=off: the preview behaves as a host that only compresses on the fly (the bench's second figure).
      if (process.env.PGLAB_PRECOMPRESSED === 'off') return;
      server.middlewares.use(precompressedFiles(server));
    },
  };
}

/** Sends `name.br` or `name.gz` for `name` when the browser takes that encoding. */
function precompressedFiles(server: PreviewServer): Connect.NextHandleFunction {
  const root = resolve(server.config.root, server.config.build.outDir);
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    } catch {
      return next();
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) return next();
    const type = TYPES[extname(file)];
    if (!type) return next();
    const accept = String(req.headers['accept-encoding'] ?? '');
    const pick = (/\bbr\b/.test(accept) && existsSync(file + '.br') && 'br') || (/\bgzip\b/.test(accept) && existsSync(file + '.gz') && 'gzip');
    if (!pick) return next();
    const body = readFileSync(file + (pick === 'br' ? '.br' : '.gz'));
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Encoding', pick);
    res.setHeader('Content-Length', body.byteLength);
    res.setHeader('Vary', 'Accept-Encoding');
    // Hashed names never change content; the page and the service worker must be asked again.
    res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
