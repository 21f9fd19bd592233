/**
 * Reads a streaming HTTP response (SSE or a Kubernetes watch) and calls `onRecord` with each
 * record, records being separated by `separator`. Resolves when the stream ends or is aborted.
 */
export async function followRecords(
  url: string,
  separator: string,
  signal: AbortSignal,
  onRecord: (record: string) => void,
): Promise<void> {
  try {
    const response = await fetch(url, { signal });
    const reader = response.body?.getReader();
    if (reader === undefined) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary = buffer.indexOf(separator);
      while (boundary >= 0) {
        onRecord(buffer.slice(0, boundary));
        buffer = buffer.slice(boundary + separator.length);
        boundary = buffer.indexOf(separator);
      }
    }
  } catch {
    // The server went away or the caller aborted: a benchmark waits on other sources.
  }
}
