// The test apiserver: an HTTP server on 127.0.0.1 that runs each request through fault
// injection, authentication, discovery/OpenAPI or the resource handler, and records it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Authenticator } from './auth.js';
import { discoveryDocument } from './discovery.js';
import { FaultInjector } from './faults.js';
import { openApiDocument } from './openapi.js';
import type { Registry } from './registry.js';
import { handleResourceRequest, sendJson, type HandlerContext } from './resource-handler.js';
import { parseResourcePath } from './routes.js';
import { ApiError, internalError, pathNotFound } from './status.js';
import type { ObjectStore } from './store.js';
import type { ServingCertificate } from './tls.js';

/** One request as the server saw it, for assertions about what a client sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string;
  readonly user: string;
  /** The HTTP status answered; a request is recorded once its response has finished. */
  readonly status: number;
}

const maxBodyBytes = 3 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes)
      throw new ApiError(
        413,
        'RequestEntityTooLarge',
        'Request entity too large: limit is 3145728',
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The HTTP side of the server: listening, refusing connections, dispatching requests. */
export class HttpFrontend {
  readonly faults = new FaultInjector();
  readonly recorded: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<() => void>();
  private readonly closing = new AbortController();
  private port = 0;

  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    readonly authenticator: Authenticator,
    private readonly watchSettings: {
      readonly bookmarkIntervalMs: number;
      readonly maxWatchTimeoutSeconds: number;
    },
    certificate: ServingCertificate | undefined,
  ) {
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      this.handle(request, response).catch((error: unknown) => {
        this.fail(response, error);
      });
    };
    this.server =
      certificate === undefined
        ? createServer(listener)
        : createTlsServer({ key: certificate.key, cert: certificate.cert }, listener);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 (port 0 picks a free one; later calls reuse the first port). */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('test apiserver: no TCP address');
    this.port = address.port;
    return this.port;
  }

  /** Stops listening and cuts every open connection (watches included): clients see refusals. */
  async stopListening(): Promise<void> {
    this.endWatches();
    const closed = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Ends every running watch stream, as an apiserver restart would. */
  endWatches(): void {
    for (const stop of [...this.watches]) stop();
    this.watches.clear();
  }

  activeWatchCount(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.server.listening) await this.stopListening();
  }

  private context(): HandlerContext {
    return {
      registry: this.registry,
      store: this.store,
      authenticator: this.authenticator,
      ...this.watchSettings,
      trackWatch: (stop) => {
        this.watches.add(stop);
        return () => this.watches.delete(stop);
      },
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    let userName = '';
    response.once('finish', () => {
      this.recorded.push({
        method,
        path: url.pathname,
        query: url.search,
        contentType: request.headers['content-type'] ?? '',
        user: userName,
        status: response.statusCode,
      });
    });
    const body = await readBody(request);
    const injected = await this.faults.before(method, url.pathname, this.closing.signal);
    if (injected !== undefined) throw injected;
    const user = this.authenticator.authenticate(request.headers.authorization);
    userName = user.name;
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const resourcePath = parseResourcePath(path);
    if (resourcePath !== undefined) {
      handleResourceRequest(
        this.context(),
        { method, path: resourcePath, query: url.searchParams, user, body, incoming: request },
        response,
      );
      return;
    }
    const document = path.startsWith('/openapi/')
      ? openApiDocument(path)
      : discoveryDocument(path, `127.0.0.1:${this.port}`);
    if (method === 'GET' && document !== undefined) {
      sendJson(response, 200, document);
      return;
    }
    if (method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(path)) {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('ok');
      return;
    }
    throw pathNotFound();
  }

  private fail(response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const apiError =
      error instanceof ApiError
        ? error
        : internalError(error instanceof Error ? error.message : String(error));
    sendJson(response, apiError.code, apiError.status);
  }
}
