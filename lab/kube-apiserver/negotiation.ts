// Content negotiation: the response format from Accept (JSON or a meta.k8s.io Table) and the
// request body's media type. Protobuf is not spoken here: a client that accepts only protobuf
// gets 406, and a protobuf body 415, with the media types this server does accept.
import { notAcceptable, unsupportedMediaType } from './status.js';
import type { IncludeObject } from './table.js';

/** How to encode the answer to a GET or LIST. */
export type ResponseFormat =
  { readonly kind: 'json' } | { readonly kind: 'table'; readonly includeObject: IncludeObject };

interface MediaRange {
  readonly mediaType: string;
  readonly parameters: ReadonlyMap<string, string>;
}

function parseMediaRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [mediaType = '', ...parameters] = part.split(';').map((item) => item.trim());
      const map = new Map<string, string>();
      for (const parameter of parameters) {
        const [key = '', value = ''] = parameter.split('=');
        map.set(key.trim().toLowerCase(), value.trim());
      }
      return { mediaType: mediaType.toLowerCase(), parameters: map };
    });
}

const accepted = ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io'];

/** Picks the first acceptable media range; throws 406 NotAcceptable when there is none. */
export function negotiateResponse(
  accept: string | undefined,
  allowsTable: boolean,
  includeObject: IncludeObject,
): ResponseFormat {
  if (accept === undefined || accept.trim() === '') return { kind: 'json' };
  for (const range of parseMediaRanges(accept)) {
    const as = range.parameters.get('as');
    const isJson =
      range.mediaType === 'application/json' ||
      range.mediaType === '*/*' ||
      range.mediaType === 'application/*';
    if (!isJson) continue;
    if (as === undefined) return { kind: 'json' };
    if (as === 'Table' && allowsTable && range.parameters.get('g') === 'meta.k8s.io') {
      return { kind: 'table', includeObject };
    }
  }
  throw notAcceptable(accepted);
}

/** The media type of a request body; throws 415 unless it is JSON (or unset, meaning JSON). */
export function requireJsonBody(contentType: string | undefined): void {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === '' || mediaType === 'application/json' || mediaType === 'application/yaml')
    return;
  throw unsupportedMediaType(['application/json', 'application/yaml']);
}

/** The bare media type of a Content-Type header ("; charset=..." removed). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
