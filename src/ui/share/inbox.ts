// A .pglab file opened in the page waits here while the route changes to #/share/file: a file's
// text can be larger than an address should be.
let pending: string | undefined;

export function putFile(text: string) {
  pending = text;
}

export function takeFile(): string | undefined {
  const t = pending;
  pending = undefined;
  return t;
}
