import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What every declaration of a series family states, whatever its type. */
interface DeclarationBase<Label extends string> {
  /** The full family name: the `elector_` prefix and the unit suffix included. */
  readonly name: string;
  /** The HELP text, exactly as scraped. */
  readonly help: string;
  /** Labels besides the registry's default `election` and `backend`; empty for none. */
  readonly labelNames: readonly Label[];
}

export interface CounterDeclaration<Label extends string = string> extends DeclarationBase<Label> {
  readonly type: 'counter';
  /**
   * Label sets created at zero when the counter is built, so `increase()` sees the first event.
   * Only for labels whose values are few and fixed.
   */
  readonly zeroed?: readonly Readonly<Record<Label, string>>[];
}

export interface GaugeDeclaration<Label extends string = string> extends DeclarationBase<Label> {
  readonly type: 'gauge';
}

export interface HistogramDeclaration<
  Label extends string = string,
> extends DeclarationBase<Label> {
  readonly type: 'histogram';
  /** Upper bounds in seconds, ascending; `+Inf` is added by prom-client. */
  readonly buckets: readonly number[];
}

/** One series family declared once as data; the builders below make the prom-client object. */
export type MetricDeclaration = CounterDeclaration | GaugeDeclaration | HistogramDeclaration;

/** Buckets in seconds for durations from a loopback round trip to a slow failover. */
export const failoverBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60,
] as const;

/** Registers the counter in `registry`, with its `zeroed` label sets at 0. */
export function counterFrom<Label extends string>(
  declaration: CounterDeclaration<Label>,
  registry: Registry,
): Counter<Label> {
  const counter = new Counter<Label>({
    name: declaration.name,
    help: declaration.help,
    labelNames: declaration.labelNames,
    registers: [registry],
  });
  for (const labels of declaration.zeroed ?? []) counter.inc(labels, 0);
  return counter;
}

/**
 * Registers the gauge in `registry`. With `collect`, the gauge is set on every scrape from the
 * state it reads, so it is never stale.
 */
export function gaugeFrom<Label extends string>(
  declaration: GaugeDeclaration<Label>,
  registry: Registry,
  collect?: (this: Gauge<Label>) => void,
): Gauge<Label> {
  return new Gauge<Label>({
    name: declaration.name,
    help: declaration.help,
    labelNames: declaration.labelNames,
    registers: [registry],
    ...(collect === undefined ? {} : { collect }),
  });
}

/** Registers the histogram in `registry`. */
export function histogramFrom<Label extends string>(
  declaration: HistogramDeclaration<Label>,
  registry: Registry,
): Histogram<Label> {
  return new Histogram<Label>({
    name: declaration.name,
    help: declaration.help,
    labelNames: declaration.labelNames,
    buckets: [...declaration.buckets],
    registers: [registry],
  });
}
