import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/schema.js';
import { toJson } from './json.js';

/** What the HTTP API caps: connections, GET /leader/watch streams, GET /leader?wait= polls. */
export const httpLimitNames = ['connections', 'streams', 'long-polls'] as const;

export type HttpLimitName = (typeof httpLimitNames)[number];

export interface HttpLimits {
  /** Connections served at once (see HttpCapacity for the ones beyond). */
  readonly maxConnections: number;
  /** Open event streams at once. */
  readonly maxStreams: number;
  /** Long-polls waiting at once. */
  readonly maxLongPolls: number;
}

/** The defaults of --http-max-connections, --http-max-streams and --http-max-long-polls. */
export const defaultHttpLimits: HttpLimits = {
  maxConnections: 256,
  maxStreams: 64,
  maxLongPolls: 64,
};

/** Connections beyond the cap that still get a 503 body before they are closed. */
const overflowAnswers = 16;

/**
 * Header and request timeouts short enough that a slow or silent client cannot hold a
 * connection for long (Node's defaults are 60 s and 5 minutes); the request timeout ends once
 * the request is received, so a long-poll or a stream may last longer.
 */
const headersTimeoutMs = 10_000;
const requestTimeoutMs = 30_000;
const keepAliveTimeoutMs = 5_000;

export function httpLimitsOf(config: Config): HttpLimits {
  return {
    maxConnections: config.httpMaxConnections,
    maxStreams: config.httpMaxStreams,
    maxLongPolls: config.httpMaxLongPolls,
  };
}

/**
 * Counts what is open against each cap of the HTTP API. A stream costs tens of kilobytes and a
 * connection a few, so without caps any pod that reaches the port could push the sidecar past
 * its memory limit.
 */
export class HttpCapacity {
  readonly limits: HttpLimits;
  readonly #onRefused: (limit: HttpLimitName) => void;
  readonly #open: Record<HttpLimitName, number> = {
    connections: 0,
    streams: 0,
    'long-polls': 0,
  };

  /** `onRefused` hears of every request refused for a cap (for a counter). */
  constructor(limits: HttpLimits, onRefused: (limit: HttpLimitName) => void = () => undefined) {
    this.limits = limits;
    this.#onRefused = onRefused;
  }

  /** How many are open now. */
  open(limit: HttpLimitName): number {
    return this.#open[limit];
  }

  /**
   * Takes a stream or long-poll slot: the function that gives it back (call it once, when the
   * response ends), or null when all are taken (the refusal is counted; answer 503).
   */
  take(limit: 'streams' | 'long-polls'): (() => void) | null {
    const maximum = limit === 'streams' ? this.limits.maxStreams : this.limits.maxLongPolls;
    if (this.#open[limit] >= maximum) {
      this.#onRefused(limit);
      return null;
    }
    this.#open[limit] += 1;
    let isHeld = true;
    return () => {
      if (!isHeld) return;
      isHeld = false;
      this.#open[limit] -= 1;
    };
  }

  /**
   * Applies the connection cap and the timeouts to `server`, and answers the requests of
   * connections beyond the cap with 503 instead of `handle`. Node itself drops connections
   * beyond a few more, so a flood costs at most a bounded number of sockets.
   */
  guard(
    server: Server,
    handle: (request: IncomingMessage, response: ServerResponse) => void,
  ): (request: IncomingMessage, response: ServerResponse) => void {
    server.headersTimeout = headersTimeoutMs;
    server.requestTimeout = requestTimeoutMs;
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.maxConnections = this.limits.maxConnections + overflowAnswers;
    const overCapacity = new WeakSet<Socket>();
    server.on('connection', (socket: Socket) => {
      if (this.#open.connections >= this.limits.maxConnections) {
        overCapacity.add(socket);
        return;
      }
      this.#open.connections += 1;
      socket.once('close', () => {
        this.#open.connections -= 1;
      });
    });
    return (request, response) => {
      if (!overCapacity.has(request.socket)) {
        handle(request, response);
        return;
      }
      this.#onRefused('connections');
      const body = toJson({
        error: {
          code: 'CAPACITY_EXCEEDED',
          message: `the HTTP API serves at most ${this.limits.maxConnections} connections at once (--http-max-connections); try again later`,
        },
      });
      response.shouldKeepAlive = false;
      response.writeHead(503, { 'Content-Type': 'application/json', Connection: 'close' });
      response.end(body);
    };
  }
}
