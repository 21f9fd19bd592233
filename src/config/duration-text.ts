/** A duration as an operator would type it on the command line: 500ms, 5s, 1.5s. */
export function durationText(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const rounded = Math.round(ms * 10) / 10;
  return rounded >= 1000 && rounded % 100 === 0 ? `${rounded / 1000}s` : `${rounded}ms`;
}
