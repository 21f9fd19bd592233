/** Nearest-rank percentile of already measured samples (milliseconds). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function summary(samples: readonly number[]): {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
} {
  return {
    p50_ms: round(percentile(samples, 0.5)),
    p90_ms: round(percentile(samples, 0.9)),
    p99_ms: round(percentile(samples, 0.99)),
    max_ms: round(percentile(samples, 1)),
  };
}
