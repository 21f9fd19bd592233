import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDurationMs } from '../config/duration.js';
import { redactedUrl } from '../config/redacted-url.js';
import { ElectorError } from '../core/errors.js';
import { describeFetchFailure } from './fetch-failure.js';

interface ResignArguments {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly authorization: string | null;
}

const answerSchema = z.object({
  leader: z.object({ id: z.string().nullable() }).loose().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

function usageError(message: string, cause?: unknown): ElectorError {
  return new ElectorError('CONFIG_INVALID', `elector resign: ${message}`, { cause });
}

function readResignArguments(argv: readonly string[]): ResignArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        to: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:4040' },
        timeout: { type: 'string', default: '30s' },
        'token-file': { type: 'string' },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message, error);
  }
  const { values } = parsed;
  const timeoutMs = parseDurationMs(values.timeout);
  if (timeoutMs === null || timeoutMs < 1) {
    throw usageError(
      `--timeout: expected a duration such as 10s or 1m; got ${JSON.stringify(values.timeout)}`,
    );
  }
  if (!URL.canParse(values.url) || !/^https?:$/.test(new URL(values.url).protocol)) {
    throw usageError(
      `--url: expected an http:// or https:// URL such as http://127.0.0.1:4040; got ${JSON.stringify(redactedUrl(values.url))}`,
    );
  }
  const url = new URL('/leader/resign', values.url);
  if (values.to !== undefined) {
    if (values.to === '') throw usageError('--to: expected a member id; got ""');
    url.searchParams.set('to', values.to);
  }
  const tokenFile = values['token-file'];
  let authorization: string | null = null;
  if (tokenFile !== undefined) {
    try {
      authorization = `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;
    } catch (error) {
      throw usageError(`--token-file: cannot read ${JSON.stringify(tokenFile)}`, error);
    }
  }
  return { url, timeoutMs, authorization };
}

/**
 * `elector resign [--to <id>]`: asks the sidecar at --url, which must be the leader's, to hand
 * leadership over (to `<id>` only, when given). Prints who leads and returns 0 once it has;
 * prints the API's refusal (NOT_LEADER, TRANSFER_FAILED, FORBIDDEN, ...) and returns 1 when it
 * refused. Throws SIDECAR_UNREACHABLE when no answer came.
 */
export async function runResign(argv: readonly string[]): Promise<number> {
  const { url, timeoutMs, authorization } = readResignArguments(argv);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: authorization === null ? {} : { Authorization: authorization },
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw new ElectorError(
      'SIDECAR_UNREACHABLE',
      redactedUrl(`POST ${url.href}: ${describeFetchFailure(error, timeoutMs)}`),
      { retryable: true, cause: error },
    );
  }
  const body =
    response.headers.get('content-type')?.includes('json') === true ? jsonOf(text) : null;
  const answer = answerSchema.safeParse(body);
  const to = url.searchParams.get('to');
  if (response.ok) {
    const leader = answer.success ? (answer.data.leader?.id ?? null) : null;
    const done = outcomeOf(response.status, to);
    process.stdout.write(`${done}; leader now ${leader ?? 'not yet known'}\n`);
    return 0;
  }
  const error = answer.success ? answer.data.error : undefined;
  process.stderr.write(
    `elector resign: refused: ${error === undefined ? `${response.status} ${text.slice(0, 500)}` : `${error.code}: ${error.message}`}\n`,
  );
  return 1;
}

/**
 * What a successful answer means. 202: this member stopped acting, but no successor was
 * confirmed within the sidecar's resign timeout (a Lease handover the named member accepted
 * still completes on its own).
 */
function outcomeOf(status: number, to: string | null): string {
  if (status === 202) {
    return to === null
      ? 'resigned; no successor confirmed yet'
      : `resigned; the handover to ${to} is not confirmed yet`;
  }
  return to === null ? 'resigned' : `handed over to ${to}`;
}

/** The parsed body, or null when it is not JSON (a proxy's page labelled JSON, say). */
function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
