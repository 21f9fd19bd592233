// meta.k8s.io/v1 Table output, which kubectl asks for on `kubectl get` (Accept: ...;as=Table).
// Columns follow the real printers (pkg/printers/internalversion) for the types tests print;
// other types get Name and Age, as a CRD without printer columns does.
import {
  describeJson,
  isJsonObject,
  metadataOf,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json.js';
import type { ResourceType } from './resources.js';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: string;
  readonly priority?: number;
  readonly cell: (object: JsonObject, now: number) => JsonValue;
}

/** The object's age, as duration.HumanDuration prints it. */
function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

function at(object: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const segment of path.split('.'))
    current = isJsonObject(current) ? current[segment] : undefined;
  return current;
}

function text(object: JsonObject, path: string, fallback = '<none>'): string {
  const value = at(object, path);
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;
}

function count(object: JsonObject, path: string): number {
  const value = at(object, path);
  if (Array.isArray(value)) return value.length;
  return isJsonObject(value) ? Object.keys(value).length : 0;
}

function number(object: JsonObject, path: string): number {
  const value = at(object, path);
  return typeof value === 'number' ? value : 0;
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  cell: (object) => stringAt(metadataOf(object), 'name') ?? '',
};
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (object, now) => {
    const created = Date.parse(stringAt(metadataOf(object), 'creationTimestamp') ?? '');
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
  },
};
const createdAt: Column = {
  name: 'Created At',
  type: 'date',
  cell: (object) => stringAt(metadataOf(object), 'creationTimestamp') ?? '',
};

function podReady(object: JsonObject): string {
  const statuses = at(object, 'status.containerStatuses');
  const ready = Array.isArray(statuses)
    ? statuses.filter((status) => isJsonObject(status) && status.ready === true).length
    : 0;
  return `${ready}/${count(object, 'spec.containers')}`;
}

function podRestarts(object: JsonObject): number {
  const statuses = at(object, 'status.containerStatuses');
  if (!Array.isArray(statuses)) return 0;
  return statuses.reduce<number>(
    (sum, status) =>
      sum +
      (isJsonObject(status) && typeof status.restartCount === 'number' ? status.restartCount : 0),
    0,
  );
}

function servicePorts(object: JsonObject): string {
  const ports = at(object, 'spec.ports');
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .filter(isJsonObject)
    .map(
      (port) =>
        `${describeJson(port.port)}/${typeof port.protocol === 'string' ? port.protocol : 'TCP'}`,
    )
    .join(',');
}

const columnsByKind: Readonly<Record<string, readonly Column[]>> = {
  Pod: [
    name,
    { name: 'Ready', type: 'string', cell: podReady },
    {
      name: 'Status',
      type: 'string',
      cell: (object) => text(object, 'status.reason', text(object, 'status.phase', 'Unknown')),
    },
    { name: 'Restarts', type: 'string', cell: (object) => String(podRestarts(object)) },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (object) => text(object, 'status.podIP') },
    { name: 'Node', type: 'string', priority: 1, cell: (object) => text(object, 'spec.nodeName') },
  ],
  Lease: [
    name,
    { name: 'Holder', type: 'string', cell: (object) => text(object, 'spec.holderIdentity', '') },
    age,
  ],
  ConfigMap: [
    name,
    {
      name: 'Data',
      type: 'integer',
      cell: (object) => count(object, 'data') + count(object, 'binaryData'),
    },
    age,
  ],
  Secret: [
    name,
    { name: 'Type', type: 'string', cell: (object) => text(object, 'type', 'Opaque') },
    { name: 'Data', type: 'integer', cell: (object) => count(object, 'data') },
    age,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (object) => text(object, 'spec.type', 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (object) => text(object, 'spec.clusterIP') },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    age,
  ],
  ServiceAccount: [
    name,
    { name: 'Secrets', type: 'integer', cell: (object) => count(object, 'secrets') },
    age,
  ],
  Namespace: [
    name,
    { name: 'Status', type: 'string', cell: (object) => text(object, 'status.phase', 'Active') },
    age,
  ],
  StatefulSet: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (object) =>
        `${number(object, 'status.readyReplicas')}/${number(object, 'spec.replicas')}`,
    },
    age,
  ],
  Deployment: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (object) =>
        `${number(object, 'status.readyReplicas')}/${number(object, 'spec.replicas')}`,
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      cell: (object) => number(object, 'status.updatedReplicas'),
    },
    {
      name: 'Available',
      type: 'integer',
      cell: (object) => number(object, 'status.availableReplicas'),
    },
    age,
  ],
  PodDisruptionBudget: [
    name,
    {
      name: 'Min Available',
      type: 'string',
      cell: (object) => text(object, 'spec.minAvailable', 'N/A'),
    },
    {
      name: 'Max Unavailable',
      type: 'string',
      cell: (object) => text(object, 'spec.maxUnavailable', 'N/A'),
    },
    {
      name: 'Allowed Disruptions',
      type: 'integer',
      cell: (object) => number(object, 'status.disruptionsAllowed'),
    },
    age,
  ],
  Role: [name, createdAt],
  RoleBinding: [
    name,
    {
      name: 'Role',
      type: 'string',
      cell: (object) => `${text(object, 'roleRef.kind', '')}/${text(object, 'roleRef.name', '')}`,
    },
    age,
  ],
};

/** What a row carries besides its cells (the includeObject query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Converts served objects to a Table; `listMetadata` is the list's own metadata. */
export function toTable(
  type: ResourceType,
  objects: readonly JsonObject[],
  listMetadata: JsonObject,
  includeObject: IncludeObject,
  now: number,
): JsonObject {
  const columns = columnsByKind[type.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: columns.map((column) => ({
      name: column.name,
      type: column.type,
      format: column.format ?? '',
      description: '',
      priority: column.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cell(object, now)),
      ...(includeObject === 'None'
        ? {}
        : {
            object:
              includeObject === 'Object'
                ? object
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: objectAt(object, 'metadata') ?? {},
                  },
          }),
    })),
  };
}
