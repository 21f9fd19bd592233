// Parsing resource URLs: /api/v1/..., /apis/<group>/<version>/..., with or without
// namespaces/<namespace>/, then <resource>[/<name>[/<subresource>]].

/** The parts of a resource URL; the type may still turn out not to be served. */
export interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** undefined when the URL has no namespaces/<namespace>/ part. */
  readonly namespace: string | undefined;
  /** '' for a collection. */
  readonly name: string;
  /** '' or e.g. 'status'. */
  readonly subresource: string;
}

const namespaceSubresources = new Set(['status', 'finalize']);

/** The resource path, or undefined when `path` is not under /api/v1 or /apis/<g>/<v>. */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1] ?? '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] ?? '';
    version = segments[2] ?? '';
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  const isNamespaceSubresource =
    rest[0] === 'namespaces' &&
    rest.length === 3 &&
    group === '' &&
    namespaceSubresources.has(rest[2] ?? '');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !isNamespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return {
    group,
    version,
    plural: rest[0] ?? '',
    namespace,
    name: rest[1] ?? '',
    subresource: rest[2] ?? '',
  };
}

/** The RBAC verb of a request (get, list, watch, create, update, patch, delete, deletecollection). */
export function verbOf(
  method: string,
  path: ResourcePath,
  query: URLSearchParams,
): string | undefined {
  const isWatch = query.get('watch') === 'true' || query.get('watch') === '1';
  const isCollection = path.name === '';
  switch (method) {
    case 'GET':
      if (isWatch) return 'watch';
      return isCollection ? 'list' : 'get';
    case 'POST':
      return isCollection ? 'create' : undefined;
    case 'PUT':
      return isCollection ? undefined : 'update';
    case 'PATCH':
      return isCollection ? undefined : 'patch';
    case 'DELETE':
      return isCollection ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}
