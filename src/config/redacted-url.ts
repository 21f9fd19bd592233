/**
 * `url` as it may be logged or shown in a message: any user info (`user:password@`) replaced by
 * `***@`, the rest unchanged. A string may be a URL, a scheme-less `user:password@host:port`, a
 * comma- or space-separated list of them, or text that failed to parse. A password may hold a
 * comma, so a list is split only where a comma is followed by a scheme (`,http://`); in text that
 * is no URL everything from the authority's start to the last `@` is hidden, erring towards hiding
 * more (in `h0:2379,user:pass@h1:2379` the first endpoint goes too).
 */
export function redactedUrl(url: URL | string): string {
  if (typeof url !== 'string') return withoutUserInfo(url);
  return url.replace(/[^\s"]+/g, (chunk) =>
    chunk
      .split(/,(?=[A-Za-z][A-Za-z0-9+.-]*:\/\/)/)
      .map(redactedToken)
      .join(','),
  );
}

function redactedToken(token: string): string {
  if (!token.includes('@')) return token;
  const authorityStart = token.includes('//') ? token.indexOf('//') + 2 : 0;
  // In a URL the user info ends at the authority's last @, and the authority at the first / ? #
  // (the WHATWG URL rules); an @ past it is no secret. Elsewhere hide up to the last @.
  const end =
    token.includes('://') && URL.canParse(token)
      ? authorityEnd(token, authorityStart)
      : token.length;
  const userInfoEnd = token.lastIndexOf('@', end - 1);
  if (userInfoEnd < authorityStart) return token;
  return `${token.slice(0, authorityStart)}***${token.slice(userInfoEnd)}`;
}

function authorityEnd(url: string, start: number): number {
  const match = /[/?#\\]/.exec(url.slice(start));
  return match === null ? url.length : start + match.index;
}

function withoutUserInfo(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}
