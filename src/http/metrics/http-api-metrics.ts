import type { Counter, Registry } from 'prom-client';
import { httpLimitNames, type HttpLimitName } from '../http-capacity.js';
import { counterFrom, type MetricDeclaration } from './metric-declaration.js';

export const httpApiMetricDeclarations = {
  httpRefused: {
    name: 'elector_http_refused_total',
    help: 'HTTP API requests answered 503 CAPACITY_EXCEEDED, by the cap that was reached.',
    type: 'counter',
    labelNames: ['limit'],
    zeroed: httpLimitNames.map((limit) => ({ limit })),
  },
} as const satisfies Record<string, MetricDeclaration>;

/** What the HTTP API's own caps refused. */
export class HttpApiMetrics {
  private readonly httpRefused: Counter<'limit'>;

  constructor(registry: Registry, backend: string) {
    this.httpRefused = counterFrom(httpApiMetricDeclarations.httpRefused, registry, backend);
  }

  refused(limit: HttpLimitName): void {
    this.httpRefused.inc({ limit });
  }
}
