/** Parses "250ms", "5s", "1m" or a bare number of milliseconds; null when it is none of these. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor = unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1;
  return Math.round(value * factor);
}
