// CPU time of this process, for the tests that compare two input sizes: vitest runs each file
// in its own fork, and on a machine with more runnable processes than cores wall time grows with
// how often a run is preempted, which a longer run suffers more.
export function cpuMs(fn: () => unknown): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

export async function cpuMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}
