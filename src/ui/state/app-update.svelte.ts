// The service worker that keeps pglab for offline use (vite.config.ts, `offline`). A new version
// is announced and taken only on the user's word: the page reloads then, and the saved database
// is opened by the new version as any reload opens it.
import { registerSW } from 'virtual:pwa-register';

export class AppUpdate {
  /** A new version is installed and waits for the user to take it. */
  waiting = $state(false);
  /** Everything is stored: pglab works offline from now on. */
  offlineReady = $state(false);
  /** The service worker could not be registered (pglab then works online only). */
  error = $state<string | null>(null);
  private update?: (reload?: boolean) => Promise<void>;

  private started = false;

  /** Registers the service worker, once. */
  start() {
    if (this.started || !('serviceWorker' in navigator)) return;
    this.started = true;
    this.update = registerSW({
      onNeedRefresh: () => (this.waiting = true),
      onOfflineReady: () => {
        // Said once, then out of the way.
        this.offlineReady = true;
        setTimeout(() => (this.offlineReady = false), 12_000);
      },
      onRegisterError: (e: unknown) => (this.error = `Offline use is not available: ${(e as Error)?.message ?? e}`),
    });
  }

  /** Takes the new version: the waiting service worker takes over and the page reloads. */
  async apply() {
    // workbox-window reloads only for a version it found itself; one the browser found while
    // the page was open (its own update check) takes over just the same: reload then too.
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    await this.update?.(true);
  }
}
