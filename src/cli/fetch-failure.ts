// Why `fetch` could not get an answer, in the words an operator acts on. Node's fetch (undici)
// rejects with TypeError("fetch failed") and hides the socket error in `cause` (an
// AggregateError when a name resolved to several addresses); a timeout rejects with a
// DOMException named TimeoutError.

const reasonsByCode: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens there: is the sidecar running, on this port?)',
  ECONNRESET: 'connection reset by the other side',
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be resolved now (DNS lookup timed out or failed)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection closed before an answer',
};

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  return Array.isArray(errors)
    ? errors.map(codeOf).find((found) => found !== undefined)
    : undefined;
}

/** The reason a request failed: refused, timed out, DNS, ...; the raw message when unknown. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms (timed out)`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code = codeOf(cause) ?? codeOf(error);
  const known = code === undefined ? undefined : reasonsByCode[code];
  if (known !== undefined) return `${known} [${code}]`;
  const detail = cause instanceof Error ? cause.message : undefined;
  return detail ?? (error instanceof Error ? error.message : String(error));
}
