// Hash routes, so deep links work on any static host: #/, #/analyze, #/lessons/<chapter>/<exercise>.
export class Route {
  parts = $state<string[]>(parse(location.hash));

  constructor() {
    addEventListener('hashchange', () => (this.parts = parse(location.hash)));
  }

  get view(): 'playground' | 'analyze' | 'lessons' | 'share' {
    const v = this.parts[0];
    return v === 'analyze' || v === 'lessons' || v === 'share' ? v : 'playground';
  }

  go(...parts: string[]) {
    location.hash = '#/' + parts.map(encodeURIComponent).join('/');
  }
}

function parse(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}
