// A view whose code loads on first use (Lessons, Analyze, About). A failed load says so and can
// be tried again without reloading the page: the browser fetches the module anew.
export class LazyModule<T> {
  module = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  private loading?: Promise<void>;
  /** The chunk whose fetch failed, as the browser's error names it. */
  private failedUrl?: string;
  private attempt = 0;

  /** `what` names the view in the message ("The analyzer"). */
  constructor(private readonly load: () => Promise<T>, readonly what: string) {}

  /** Loads the module once; after a failure, the next call tries again. */
  get(): Promise<void> {
    if (this.module) return Promise.resolve();
    this.error = null;
    // Chromium 150 keeps a failed dynamic import in its module map: importing the same URL
    // again fails at once without a request. The same file under a new query is a new fetch
    // (its styles and shared chunks came with the first attempt, which got that far).
    const load = this.failedUrl ? () => import(/* @vite-ignore */ `${this.failedUrl}?retry=${++this.attempt}`) as Promise<T> : this.load;
    this.loading ??= load().then(
      (m) => {
        this.module = m;
      },
      (e: unknown) => {
        this.loading = undefined;
        const message = (e as Error)?.message ?? String(e);
        this.failedUrl ??= /\b(?:https?|file):\/\/\S+?\.js\b/.exec(message)?.[0];
        this.error = `${this.what} could not be loaded (${message}). Check the connection, then retry.`;
      },
    );
    return this.loading;
  }
}
