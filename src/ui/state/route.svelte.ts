// Hash routes, so deep links work on any static host: #/, #/analyze, #/lessons/<chapter>/<exercise>.
export class Route {
  parts = $state<string[]>([]);
  /** The address's `?key=value` part (`#/lessons?pack=https://…`). */
  query = $state.raw<Record<string, string>>({});
  /** Why the address could not be read (a mangled link): the playground opens instead. */
  notice = $state<string | null>(null);

  constructor() {
    this.read();
    addEventListener('hashchange', () => this.read());
  }

  private read() {
    const parsed = parseHash(location.hash);
    this.parts = parsed.parts;
    this.query = hashQuery(location.hash);
    this.notice = parsed.error ?? null;
  }

  get view(): 'playground' | 'analyze' | 'lessons' | 'share' | 'migrations' {
    const v = this.parts[0];
    return v === 'analyze' || v === 'lessons' || v === 'share' || v === 'migrations' ? v : 'playground';
  }

  go(...parts: string[]) {
    location.hash = '#/' + parts.map(encodeURIComponent).join('/');
  }
}

/** The parts of a hash route; a malformed one (bad percent-encoding) gives none, and says why. */
export function parseHash(hash: string): { parts: string[]; error?: string } {
  const raw = hash.replace(/^#\/?/, '').replace(/\?.*$/s, '').split('/').filter(Boolean);
  try {
    return { parts: raw.map(decodeURIComponent) };
  } catch {
    const shown = hash.length > 80 ? hash.slice(0, 80) + '…' : hash;
    return { parts: [], error: `This address could not be read (${shown} is not a valid link): the playground is shown instead.` };
  }
}

/** The `?…` part of a hash route, decoded (a value may be a whole URL). */
export function hashQuery(hash: string): Record<string, string> {
  const q = hash.indexOf('?');
  if (q < 0) return {};
  try {
    return Object.fromEntries(new URLSearchParams(hash.slice(q + 1)));
  } catch {
    return {};
  }
}
