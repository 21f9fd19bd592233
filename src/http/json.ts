/**
 * JSON with bigint values written as plain integers (fencing tokens may exceed 2^53; JSON
 * itself has no such limit, and clients in Go or Java read them exactly).
 */
export function toJson(value: unknown): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${marker}${item.toString()}` : item,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
