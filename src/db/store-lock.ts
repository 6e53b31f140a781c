// One tab saves to the browser store at a time: two would interleave their saves and corrupt
// it. The page (not its worker: a terminated worker keeps its locks ~2 s, which every Stop would
// wait for) holds a Web Lock for its whole life; a tab that cannot get it works on a copy.
// Each store has its own lock, named as the store: two tabs on two workspaces (or chapters) both save.
const owned = new Map<string, Promise<boolean>>();

/**
 * Takes the lock and keeps it until the page goes. A page being reloaded releases it as it
 * unloads, so wait a moment before concluding another tab has it.
 */
export function holdStoreLock(name = 'pglab-db', waitMs = 1500): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return Promise.resolve(true);
  let held = owned.get(name);
  if (held) return held;
  held = new Promise<boolean>((resolve) => {
    navigator.locks
      .request(name, { signal: AbortSignal.timeout(waitMs) }, () => {
        resolve(true);
        return new Promise<never>(() => {});
      })
      .catch(() => resolve(false));
  });
  owned.set(name, held);
  return held;
}
