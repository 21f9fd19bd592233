import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ElectionBackend } from '../backends/backend.js';
import { ElectorError } from '../core/errors.js';
import { parseDurationMs } from '../config/duration.js';
import { defaultHttpLimits, HttpCapacity } from './http-capacity.js';
import { toJson } from './json.js';
import { leaderTag, leaderView } from './leader-view.js';
import type { SidecarMetrics } from './metrics/sidecar-metrics.js';
import { isResignAllowed, type ResignPolicy } from './resign-policy.js';
import { sendError, sendFailure, sendJson } from './responses.js';
import { memberViews, rankOf } from './succession.js';

export interface HttpApiOptions {
  readonly id: string;
  readonly election: string;
  /** This member's `--priority`, shown by /cluster/status; 0 (the default) when left out. */
  readonly priority?: number;
  readonly backend: ElectionBackend;
  readonly metrics: SidecarMetrics;
  readonly logger: Logger;
  readonly resignPolicy: ResignPolicy;
  readonly resignTimeoutMs: number;
  /** Longest ?wait= a long-poll may ask for. */
  readonly maxWaitMs?: number;
  /** Caps on streams and long-polls; pass the same one to listenHttp. Default: the flags' defaults. */
  readonly capacity?: HttpCapacity;
}

const fencingHeader = 'Elector-Fencing-Token';

/** The sidecar's HTTP API: leader, watch, resign, cluster status, health, role probe, metrics. */
export function createHttpApi(options: HttpApiOptions): express.Express {
  const { backend, id, election, metrics, logger } = options;
  const maxWaitMs = options.maxWaitMs ?? 300_000;
  const capacity = options.capacity ?? new HttpCapacity(defaultHttpLimits);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const currentView = (): ReturnType<typeof leaderView> =>
    leaderView(backend.current(), id, backend, election);

  app.get('/leader', (request, response) => {
    const waitText = request.query.wait;
    if (waitText === undefined) {
      respondLeader(response);
      return;
    }
    const waitMs = typeof waitText === 'string' ? parseDurationMs(waitText) : null;
    if (waitMs === null || waitMs > maxWaitMs) {
      sendError(
        response,
        'BAD_REQUEST',
        `wait: expected a duration up to ${maxWaitMs} ms such as 30s; got ${JSON.stringify(waitText)}`,
      );
      return;
    }
    const known = request.get('If-None-Match');
    if (known === undefined || known !== leaderTag(backend.current())) {
      respondLeader(response);
      return;
    }
    const release = capacity.take('long-polls');
    if (release === null) {
      sendError(
        response,
        'CAPACITY_EXCEEDED',
        `at most ${capacity.limits.maxLongPolls} long-polls wait at once (--http-max-long-polls); try again later, or ask without ?wait=`,
      );
      return;
    }
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      release();
      if (response.writableEnded) return;
      if (leaderTag(backend.current()) === known) response.status(304).set('ETag', known).end();
      else respondLeader(response);
    };
    const unsubscribe = backend.onChange((state) => {
      if (leaderTag(state) !== known) finish();
    });
    const timer = setTimeout(finish, waitMs);
    request.on('close', () => {
      clearTimeout(timer);
      unsubscribe();
      release();
    });
  });

  function respondLeader(response: Response): void {
    const state = backend.current();
    response.set('ETag', leaderTag(state));
    if (state.leader !== null) response.set(fencingHeader, state.fencingToken.toString());
    sendJson(response, 200, currentView());
  }

  app.get('/leader/watch', (request, response) => {
    const release = capacity.take('streams');
    if (release === null) {
      sendError(
        response,
        'CAPACITY_EXCEEDED',
        `at most ${capacity.limits.maxStreams} event streams are open at once (--http-max-streams); try again later`,
      );
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    const push = (): void => {
      response.write(`event: leader\ndata: ${toJson(currentView())}\n\n`);
    };
    push();
    const unsubscribe = backend.onChange(push);
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      release();
    });
  });

  /**
   * The resign timeout ran out before the backend finished. A member that no longer acts has
   * resigned (a Lease handover the named member accepted completes on its own): 202, successor
   * not confirmed. One that still acts has not: TRANSFER_FAILED, and it keeps leading.
   */
  const answerResignTimeout = (response: Response, to: string | null): void => {
    const leader = currentView();
    const waited = `within the resign timeout (${options.resignTimeoutMs} ms)`;
    if (leader.isSelf) {
      sendError(
        response,
        'TRANSFER_FAILED',
        `leadership transfer did not finish ${waited}; this member still leads`,
      );
      return;
    }
    logger.warn(
      { event: 'leader.resign-unconfirmed', via: 'http', to },
      `resigned on request; no successor confirmed ${waited}`,
    );
    sendJson(response, 202, { resigned: true, confirmed: false, leader });
  };

  app.post('/leader/resign', (request, response, next) => {
    if (
      !isResignAllowed(
        options.resignPolicy,
        request.socket.remoteAddress,
        request.get('Authorization'),
      )
    ) {
      sendError(
        response,
        'FORBIDDEN',
        `resign is allowed only for ${options.resignPolicy.kind === 'loopback' ? 'callers on loopback' : 'callers presenting the resign token'}`,
      );
      return;
    }
    const toText = request.query.to;
    // Member ids are short printable names; anything else cannot name a member.
    if (
      toText !== undefined &&
      (typeof toText !== 'string' || !/^[\x21-\x7e]{1,253}$/.test(toText))
    ) {
      sendError(
        response,
        'BAD_REQUEST',
        `to: expected one member id (1 to 253 printable characters, no spaces); got ${JSON.stringify(toText)}`,
      );
      return;
    }
    if (!backend.current().isSelf) {
      sendError(response, 'NOT_LEADER', `${id} is not the acting leader`);
      return;
    }
    const signal = AbortSignal.timeout(options.resignTimeoutMs);
    (toText === undefined ? backend.resign(signal) : backend.resign(signal, toText)).then(
      () => {
        logger.info(
          { event: 'leader.resigned', via: 'http', to: toText ?? null },
          toText === undefined ? 'resigned on request' : `handed over to ${toText} on request`,
        );
        sendJson(response, 200, { resigned: true, leader: currentView() });
      },
      (error: unknown) => {
        if (error instanceof ElectorError && error.code === 'TRANSFER_FAILED') {
          sendError(response, error.code, error.message);
        } else if (signal.aborted && error === signal.reason) {
          answerResignTimeout(response, toText ?? null);
        } else {
          next(error);
        }
      },
    );
  });

  app.get('/cluster/status', (_request, response) => {
    const members = backend.members();
    sendJson(response, 200, {
      self: id,
      priority: options.priority ?? 0,
      rank: rankOf(members, id),
      election,
      backend: backend.name,
      ready: backend.isReady(),
      notReadyReason: backend.notReadyReason?.() ?? null,
      warnings: (backend.warnings?.() ?? []).map((warning) => warning.message),
      leader: currentView(),
      members: memberViews(members),
      ...(backend.membership === undefined ? {} : { membership: backend.membership() }),
    });
  });

  app.get('/healthz', (_request, response) => {
    sendJson(response, 200, { status: 'ok' });
  });

  app.get('/readyz', (_request, response) => {
    const ready = backend.isReady();
    const reason = ready ? null : (backend.notReadyReason?.() ?? null);
    sendJson(response, ready ? 200 : 503, reason === null ? { ready } : { ready, reason });
  });

  app.get('/role/leader', (_request, response) => {
    const state = backend.current();
    if (state.isSelf) response.set(fencingHeader, state.fencingToken.toString());
    sendJson(response, state.isSelf ? 200 : 503, { isLeader: state.isSelf, leader: state.leader });
  });

  app.get('/metrics', (_request, response, next) => {
    metrics.registry.metrics().then((text) => {
      response.type(metrics.registry.contentType).send(text);
    }, next);
  });

  app.use((request, response) => {
    const known = [
      '/leader',
      '/leader/watch',
      '/leader/resign',
      '/cluster/status',
      '/healthz',
      '/readyz',
      '/role/leader',
      '/metrics',
    ];
    if (known.includes(request.path)) {
      sendError(
        response,
        'METHOD_NOT_ALLOWED',
        `${request.method} is not supported on ${request.path}`,
      );
    } else {
      sendError(
        response,
        'NOT_FOUND',
        `no such endpoint: ${request.path}; see ${known.join(', ')}`,
      );
    }
  });

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    logger.error({ event: 'http.error', err: error }, 'HTTP handler failed');
    sendFailure(response, error);
  });
  return app;
}

/**
 * Listens on host:port with `capacity`'s connection cap and timeouts (the same HttpCapacity as
 * createHttpApi's); resolves with the server once it accepts connections.
 */
export async function listenHttp(
  app: express.Express,
  host: string,
  port: number,
  capacity: HttpCapacity = new HttpCapacity(defaultHttpLimits),
): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.on('request', capacity.guard(server, app));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        new ElectorError(
          'CONFIG_INVALID',
          `--http-port: cannot listen on ${host}:${port}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
