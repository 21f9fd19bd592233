import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const writeSchema = z.object({
  token: z.number().int().nonnegative(),
  writer: z.string().min(1).max(200),
});
const answerSchema = z.object({ isAccepted: z.boolean(), highest: z.number() });

/** One write the resource received, accepted or not. */
export interface WriteRecord {
  readonly token: number;
  readonly writer: string;
  readonly isAccepted: boolean;
  /** The highest token seen before this write. */
  readonly highestBefore: number;
  /** Monotonic time (performance.now()) of the decision. */
  readonly at: number;
}

export interface WriteAnswer {
  readonly isAccepted: boolean;
  readonly highest: number;
}

/**
 * A tiny storage service that fences its writers: POST /write {token, writer} is accepted
 * (200) only if `token` is at least the highest token seen, and rejected (409) otherwise; a
 * write that is accepted raises the highest token. This is what a fencing token is for: a
 * leader that was deposed while it slept cannot overwrite its successor's work.
 */
export class FencingResource {
  private highestToken = 0;
  private readonly records: WriteRecord[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1 (an OS-chosen port); resolves once it accepts connections. */
  static async start(): Promise<FencingResource> {
    const holder: { resource: FencingResource | null } = { resource: null };
    const server = createServer((request, response) => {
      holder.resource?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.resource = new FencingResource(server, `http://127.0.0.1:${port}`);
    return holder.resource;
  }

  get highest(): number {
    return this.highestToken;
  }

  get writes(): readonly WriteRecord[] {
    return this.records;
  }

  /**
   * Tokens that more than one writer had accepted: each would be two leaders sharing one token.
   * Empty when fencing held.
   */
  sharedTokens(): { token: number; writers: string[] }[] {
    const writers = new Map<number, Set<string>>();
    for (const record of this.records) {
      if (!record.isAccepted) continue;
      const set = writers.get(record.token) ?? new Set<string>();
      set.add(record.writer);
      writers.set(record.token, set);
    }
    return [...writers]
      .filter(([, set]) => set.size > 1)
      .map(([token, set]) => ({ token, writers: [...set] }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'POST' || request.url !== '/write') {
      reply(response, 404, { error: `only POST /write; got ${request.method} ${request.url}` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 4096) chunks.push(chunk);
    });
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const parsed = writeSchema.safeParse(body);
      if (size > 4096 || !parsed.success) {
        reply(response, 400, { error: 'expected {"token": <integer ≥ 0>, "writer": <string>}' });
        return;
      }
      const answer = this.decide(parsed.data.token, parsed.data.writer);
      reply(response, answer.isAccepted ? 200 : 409, answer);
    });
  }

  private decide(token: number, writer: string): WriteAnswer {
    const highestBefore = this.highestToken;
    const isAccepted = token >= highestBefore;
    if (isAccepted) this.highestToken = token;
    this.records.push({ token, writer, isAccepted, highestBefore, at: performance.now() });
    return { isAccepted, highest: this.highestToken };
  }
}

/** POSTs one write; resolves with the answer, or null if the resource could not be reached. */
export async function writeFenced(
  url: string,
  token: number,
  writer: string,
): Promise<WriteAnswer | null> {
  try {
    const response = await fetch(`${url}/write`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, writer }),
      signal: AbortSignal.timeout(2000),
    });
    const answer = answerSchema.safeParse(await response.json());
    return answer.success ? answer.data : null;
  } catch {
    // Unreachable or timed out: the caller counts a write that got no answer.
    return null;
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
