import type { Server } from 'node:http';
import pino from 'pino';
import { HttpCapacity } from '../../../src/http/http-capacity.js';
import { SidecarMetrics } from '../../../src/http/metrics/sidecar-metrics.js';
import { createHttpApi, listenHttp, type HttpApiOptions } from '../../../src/http/server.js';
import { ManualClock } from '../manual-clock.js';

export interface TestApi {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Ends every connection, streams included, and stops listening. */
  close(): void;
}

/**
 * The sidecar's HTTP API over `backend` on a free loopback port, as member-0 of election "test",
 * with a silent logger, the loopback resign policy and generous caps unless `options` says
 * otherwise. The same capacity guards the API and the server, as in the sidecar.
 */
export async function startTestApi(
  options: Pick<HttpApiOptions, 'backend'> & Partial<HttpApiOptions>,
): Promise<TestApi> {
  const capacity =
    options.capacity ?? new HttpCapacity({ maxConnections: 64, maxStreams: 8, maxLongPolls: 8 });
  const app = createHttpApi({
    id: 'member-0',
    election: 'test',
    metrics: new SidecarMetrics({
      id: 'member-0',
      backend: 'etcd',
      election: 'test',
      version: '0.0.0',
      clock: new ManualClock(0),
    }),
    logger: pino({ level: 'silent' }),
    resignPolicy: { kind: 'loopback' },
    resignTimeoutMs: 1_000,
    ...options,
    capacity,
  });
  const { server, port } = await listenHttp(app, '127.0.0.1', 0, capacity);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
