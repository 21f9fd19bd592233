// A tiny "workload" for tests: an HTTP server whose health can be flipped, which also records
// the HTTP hooks it receives. In-process: `startWorkloadServer()`. As a process:
//   node --import tsx lab/workload-server.ts --port N [--host H] [--state S]
// prints {"event":"listening","port":N} on stdout, then serves until SIGTERM or SIGINT.
//
//   GET  /healthz       200 (healthy), 503 (unhealthy), or never answers (hang)
//   GET  /redirect      302 to /healthz (a probe counts 3xx as healthy)
//   POST /control       {"state"?: "healthy"|"unhealthy"|"hang", "hookStatus"?: number}
//   GET  /control       {"state", "hookStatus", "healthRequests"}
//   POST /hook          records the JSON body, answers hookStatus (default 204); never
//                       answers while the state is hang
//   GET  /hooks         the recorded hook bodies, oldest first
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild, type Child } from './child.js';
import { waitFor } from './wait-for.js';

export const workloadStates = ['healthy', 'unhealthy', 'hang'] as const;
export type WorkloadState = (typeof workloadStates)[number];

export interface WorkloadServer {
  readonly port: number;
  /** http://host:port/healthz */
  readonly healthUrl: string;
  /** http://host:port/redirect */
  readonly redirectUrl: string;
  /** http://host:port/hook */
  readonly hookUrl: string;
  /** http://host:port/control */
  readonly controlUrl: string;
  state(): WorkloadState;
  setState(state: WorkloadState): void;
  /** Status answered to POST /hook. */
  setHookStatus(status: number): void;
  /** Bodies of the POST /hook requests received, oldest first. */
  hookCalls(): readonly unknown[];
  /** GET /healthz requests received so far (answered or hanging). */
  healthRequests(): number;
  /** Closes the listener and every connection, hanging ones included. */
  close(): Promise<void>;
}

export interface WorkloadServerOptions {
  readonly host?: string;
  /** 0 (default): any free port. */
  readonly port?: number;
  readonly state?: WorkloadState;
}

export async function startWorkloadServer(
  options: WorkloadServerOptions = {},
): Promise<WorkloadServer> {
  const host = options.host ?? '127.0.0.1';
  let state: WorkloadState = options.state ?? 'healthy';
  let hookStatus = 204;
  let healthRequests = 0;
  const hookCalls: unknown[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://workload').pathname;
    const route = `${request.method ?? 'GET'} ${path}`;
    switch (route) {
      case 'GET /healthz':
        healthRequests += 1;
        if (state === 'hang') return; // never answered; closed by close()
        send(response, state === 'healthy' ? 200 : 503, { state });
        return;
      case 'GET /redirect':
        response.writeHead(302, { Location: '/healthz' }).end();
        return;
      case 'GET /control':
        send(response, 200, { state, hookStatus, healthRequests });
        return;
      case 'POST /control': {
        const body = await readJson(request);
        const next = typeof body === 'object' && body !== null ? body : {};
        const nextState: unknown = Reflect.get(next, 'state');
        const nextHookStatus: unknown = Reflect.get(next, 'hookStatus');
        if (nextState !== undefined && !workloadStates.some((known) => known === nextState)) {
          send(response, 400, { error: `state: expected ${workloadStates.join(', ')}` });
          return;
        }
        if (nextHookStatus !== undefined && typeof nextHookStatus !== 'number') {
          send(response, 400, { error: 'hookStatus: expected a number' });
          return;
        }
        if (nextState !== undefined) state = nextState as WorkloadState;
        if (nextHookStatus !== undefined) hookStatus = nextHookStatus;
        send(response, 200, { state, hookStatus });
        return;
      }
      case 'POST /hook':
        hookCalls.push(await readJson(request));
        if (state === 'hang') return; // never answered; closed by close()
        send(response, hookStatus, hookStatus === 204 ? undefined : { status: hookStatus });
        return;
      case 'GET /hooks':
        send(response, 200, hookCalls);
        return;
      default:
        send(response, 404, { error: `no route ${route}` });
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 400, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://${host}:${port}`;
  return {
    port,
    healthUrl: `${base}/healthz`,
    redirectUrl: `${base}/redirect`,
    hookUrl: `${base}/hook`,
    controlUrl: `${base}/control`,
    state: () => state,
    setState(next) {
      state = next;
    },
    setHookStatus(status) {
      hookStatus = status;
    },
    hookCalls: () => [...hookCalls],
    healthRequests: () => healthRequests,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => {
          resolveClose();
        });
        server.closeAllConnections();
      }),
  };
}

/** Flips the state of a workload server, in this process or another, through POST /control. */
export async function setWorkloadState(controlUrl: string, state: WorkloadState): Promise<void> {
  const response = await fetch(controlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ state }),
  });
  if (response.status !== 200) {
    throw new Error(`POST ${controlUrl}: ${response.status} ${await response.text()}`);
  }
}

export interface WorkloadProcess {
  readonly child: Child;
  readonly port: number;
  readonly healthUrl: string;
  readonly hookUrl: string;
  readonly controlUrl: string;
}

/** Starts this file as a separate process and waits until it listens. Kill it with child.kill(). */
export async function startWorkloadProcess(
  options: { readonly state?: WorkloadState; readonly port?: number } = {},
): Promise<WorkloadProcess> {
  const child = startChild(process.execPath, [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--port',
    String(options.port ?? 0),
    '--state',
    options.state ?? 'healthy',
  ]);
  const port = await waitFor(
    () => {
      const match = /"event":"listening","port":(\d+)/.exec(child.output());
      return match?.[1] === undefined ? undefined : Number(match[1]);
    },
    { timeoutMs: 10_000, what: 'the workload process to listen' },
  ).catch(async (error: unknown) => {
    await child.kill();
    throw new Error(`${String(error)}; output: ${child.output()}`);
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    healthUrl: `${base}/healthz`,
    hookUrl: `${base}/hook`,
    controlUrl: `${base}/control`,
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? null : (JSON.parse(text) as unknown);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      state: { type: 'string', default: 'healthy' },
    },
  });
  const state = workloadStates.find((known) => known === values.state);
  if (state === undefined) {
    throw new Error(`--state: expected ${workloadStates.join(', ')}; got ${values.state}`);
  }
  const server = await startWorkloadServer({ host: values.host, port: Number(values.port), state });
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: server.port })}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
