import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BackendName } from '../../core/backend-name.js';

/** What every declaration of a series family states, whatever its type. */
interface DeclarationBase<Label extends string> {
  /** The full family name: the `elector_` prefix and the unit suffix included. */
  readonly name: string;
  /** The HELP text, exactly as scraped. */
  readonly help: string;
  /** Labels besides the registry's default `election` and `backend`; empty for none. */
  readonly labelNames: readonly Label[];
}

/** One value for each label of a family. */
export type LabelSet<Label extends string> = Readonly<Record<Label, string>>;

/**
 * Label sets created at zero when a counter is built, so the first scrape has them and
 * `increase()` sees the first event: one list for every backend, or a list per backend (a
 * backend not named gets none), for series only that backend can count.
 */
type ZeroedLabelSets<Label extends string> =
  readonly LabelSet<Label>[] | Readonly<Partial<Record<BackendName, readonly LabelSet<Label>[]>>>;

export interface CounterDeclaration<Label extends string = string> extends DeclarationBase<Label> {
  readonly type: 'counter';
  /**
   * Label sets that exist from the start at 0. Every value of a small fixed set; where values
   * are open-ended, the ones known to occur (the README says which).
   */
  readonly zeroed?: ZeroedLabelSets<Label>;
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

/** The label sets of `zeroed` that a member of `backend` starts with. */
function zeroedLabelSets<Label extends string>(
  zeroed: ZeroedLabelSets<Label> | undefined,
  backend: string,
): readonly LabelSet<Label>[] {
  if (zeroed === undefined) return [];
  if (isLabelSetList(zeroed)) return zeroed;
  const perBackend: Readonly<Partial<Record<string, readonly LabelSet<Label>[]>>> = zeroed;
  return perBackend[backend] ?? [];
}

function isLabelSetList<Label extends string>(
  zeroed: ZeroedLabelSets<Label>,
): zeroed is readonly LabelSet<Label>[] {
  return Array.isArray(zeroed);
}

/** Every combination of the given label values, for `zeroed`. */
export function labelProduct<Label extends string>(
  values: Readonly<Record<Label, readonly string[]>>,
): LabelSet<Label>[] {
  let sets: Partial<Record<Label, string>>[] = [{}];
  for (const label of Object.keys(values) as Label[]) {
    sets = sets.flatMap((set) => values[label].map((value) => ({ ...set, [label]: value })));
  }
  return sets as LabelSet<Label>[];
}

/**
 * Registers the counter in `registry`, with the `zeroed` label sets of `backend` at 0. With
 * `collect`, that runs on every read (a scrape) first, to add what was counted elsewhere.
 */
export function counterFrom<Label extends string>(
  declaration: CounterDeclaration<Label>,
  registry: Registry,
  backend: string,
  collect?: (this: Counter<Label>) => void,
): Counter<Label> {
  const counter = new Counter<Label>({
    name: declaration.name,
    help: declaration.help,
    labelNames: declaration.labelNames,
    registers: [registry],
    ...(collect === undefined ? {} : { collect }),
  });
  for (const labels of zeroedLabelSets(declaration.zeroed, backend)) counter.inc(labels, 0);
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
