// A view whose code loads on first use (Lessons, Analyze, About). A failed load says so and can
// be tried again without reloading the page: the browser fetches the module anew.
export class LazyModule<T> {
  module = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  private loading?: Promise<void>;

  /** `what` names the view in the message ("The analyzer"). */
  constructor(private readonly load: () => Promise<T>, readonly what: string) {}

  /** Loads the module once; after a failure, the next call tries again. */
  get(): Promise<void> {
    if (this.module) return Promise.resolve();
    this.error = null;
    this.loading ??= this.load().then(
      (m) => {
        this.module = m;
      },
      (e: unknown) => {
        this.loading = undefined;
        this.error = `${this.what} could not be loaded (${(e as Error).message}). Check the connection, then retry.`;
      },
    );
    return this.loading;
  }
}
