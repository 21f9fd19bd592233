// Per-type behaviour of the real registry strategies that tests can observe: defaults set on
// create, and the validation errors (422 Invalid) for the fields the elector's objects use.
import {
  describeJson,
  isJsonObject,
  jsonEqual,
  metadataOf,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json.js';
import type { ResourceType } from './resources.js';
import type { FieldCause } from './status.js';
import { invalidValue, labelKeyErrors, requiredValue } from './validation.js';

/** Allocates service cluster IPs from 10.96.0.0/12 as a real cluster would. */
export class ClusterIpAllocator {
  private next = 10;

  allocate(): string {
    const value = this.next;
    this.next += 1;
    return `10.96.${Math.floor(value / 250)}.${value % 250}`;
  }
}

function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** PrepareForCreate: status resets and defaults, applied to the stored form before validation. */
export function applyCreateDefaults(
  type: ResourceType,
  object: JsonObject,
  allocator: ClusterIpAllocator,
): void {
  if (type.hasStatusSubresource && !type.isCustom) object.status = {};
  const spec = objectAt(object, 'spec');
  switch (type.kind) {
    case 'Pod':
      object.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Namespace': {
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
      const metadata = metadataOf(object);
      const labels = objectAt(metadata, 'labels') ?? {};
      labels['kubernetes.io/metadata.name'] = stringAt(metadata, 'name') ?? '';
      metadata.labels = labels;
      break;
    }
    case 'Service':
      if (spec !== undefined) {
        spec.type ??= 'ClusterIP';
        spec.sessionAffinity ??= 'None';
        if (spec.clusterIP === undefined || spec.clusterIP === '')
          spec.clusterIP = allocator.allocate();
        spec.clusterIPs ??= [spec.clusterIP];
        const ports = spec.ports;
        if (Array.isArray(ports)) {
          for (const port of ports.filter(isJsonObject)) {
            port.protocol ??= 'TCP';
            port.targetPort ??= port.port ?? null;
          }
        }
      }
      break;
    case 'StatefulSet':
    case 'Deployment':
      if (spec !== undefined) spec.replicas ??= 1;
      break;
    case 'Secret':
      object.type ??= 'Opaque';
      break;
    default:
      break;
  }
}

/** Secrets: stringData is write-only; it is merged into data (base64) on every write. */
export function foldStringData(object: JsonObject): void {
  const stringData = objectAt(object, 'stringData');
  if (stringData === undefined) return;
  const data = objectAt(object, 'data') ?? {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = toBase64(value);
  }
  object.data = data;
  delete object.stringData;
}

const configKeyFormat = '[-._a-zA-Z0-9]+';

function dataKeyErrors(object: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const field of ['data', 'binaryData']) {
    for (const key of Object.keys(objectAt(object, field) ?? {})) {
      if (!new RegExp(`^${configKeyFormat}$`).test(key)) {
        causes.push(
          invalidValue(
            `${field}[${key}]`,
            key,
            `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${configKeyFormat}')`,
          ),
        );
      }
    }
  }
  return causes;
}

function goMap(labels: JsonObject): string {
  const entries = Object.keys(labels)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(labels[key])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function workloadErrors(object: JsonObject): FieldCause[] {
  const spec = objectAt(object, 'spec');
  const selector = spec === undefined ? undefined : objectAt(spec, 'selector');
  if (selector === undefined) return [requiredValue('spec.selector')];
  const template = spec === undefined ? undefined : objectAt(spec, 'template');
  const templateLabels = objectAt(objectAt(template ?? {}, 'metadata') ?? {}, 'labels') ?? {};
  const matchLabels = objectAt(selector, 'matchLabels') ?? {};
  const matches = Object.entries(matchLabels).every(
    ([key, value]) => templateLabels[key] === value,
  );
  if (matches) return [];
  return [
    {
      field: 'spec.template.metadata.labels',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``,
    },
  ];
}

function numberCause(field: string, value: JsonValue | undefined, detail: string): FieldCause[] {
  return [
    {
      field,
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${describeJson(value)}: ${detail}`,
    },
  ];
}

function leaseErrors(object: JsonObject): FieldCause[] {
  const spec = objectAt(object, 'spec') ?? {};
  const causes: FieldCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0) {
    causes.push(...numberCause('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0) {
    causes.push(
      ...numberCause('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'),
    );
  }
  return causes;
}

function podErrors(object: JsonObject): FieldCause[] {
  const containers = objectAt(object, 'spec')?.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    return [requiredValue('spec.containers')];
  const causes: FieldCause[] = [];
  containers.forEach((container, index) => {
    if (!isJsonObject(container) || typeof container.name !== 'string' || container.name === '') {
      causes.push(requiredValue(`spec.containers[${index}].name`));
    }
    if (!isJsonObject(container) || typeof container.image !== 'string' || container.image === '') {
      causes.push(requiredValue(`spec.containers[${index}].image`));
    }
  });
  return causes;
}

const systemPodConditions = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** validatePodConditions: a condition type other than the system ones must be a qualified name. */
function podConditionErrors(served: JsonObject): FieldCause[] {
  const conditions = objectAt(served, 'status')?.conditions;
  if (!Array.isArray(conditions)) return [];
  return conditions.flatMap((condition, index) => {
    if (!isJsonObject(condition) || typeof condition.type !== 'string') return [];
    const type = condition.type;
    if (systemPodConditions.has(type)) return [];
    return labelKeyErrors(type).map((error) =>
      invalidValue(`status.conditions[${index}].Type`, type, error),
    );
  });
}

/**
 * legacyValidateEvent for core/v1 Events without eventTime: the involved object's namespace
 * must be the Event's own (or, for cluster-scoped objects, the Event lives in default).
 */
function coreEventErrors(served: JsonObject): FieldCause[] {
  if (typeof served.eventTime === 'string') return [];
  const namespace = stringAt(metadataOf(served), 'namespace') ?? '';
  const involved = objectAt(served, 'involvedObject') ?? {};
  const involvedNamespace = stringAt(involved, 'namespace') ?? '';
  const isMatch =
    involvedNamespace === ''
      ? namespace === '' || namespace === 'default'
      : involvedNamespace === namespace;
  return isMatch
    ? []
    : [
        invalidValue(
          'involvedObject.namespace',
          involvedNamespace,
          'does not match event.namespace',
        ),
      ];
}

function eventsV1Errors(served: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (typeof served.eventTime !== 'string') causes.push(requiredValue('eventTime'));
  for (const field of ['reportingController', 'reportingInstance', 'action', 'reason']) {
    if (typeof served[field] !== 'string' || served[field] === '')
      causes.push(requiredValue(field));
  }
  if (served.type !== 'Normal' && served.type !== 'Warning') {
    causes.push(
      invalidValue(
        'type',
        '',
        `has invalid value: ${typeof served.type === 'string' ? served.type : ''}`,
      ),
    );
  }
  return causes;
}

/** Type-specific field errors for an object about to be written (served form). */
export function typeErrors(
  type: ResourceType,
  served: JsonObject,
  previous: JsonObject | undefined,
): FieldCause[] {
  switch (type.kind) {
    case 'Pod':
      return [...podErrors(served), ...podConditionErrors(served)];
    case 'Lease':
      return leaseErrors(served);
    case 'ConfigMap':
    case 'Secret':
      return dataKeyErrors(served);
    case 'StatefulSet':
    case 'Deployment':
      return workloadErrors(served);
    case 'Event':
      if (previous !== undefined) return [];
      return type.group === 'events.k8s.io' ? eventsV1Errors(served) : coreEventErrors(served);
    case 'RoleBinding':
      if (previous !== undefined && !jsonEqual(previous.roleRef, served.roleRef)) {
        return [invalidValue('roleRef', '', 'cannot change roleRef')];
      }
      return served.roleRef === undefined ? [requiredValue('roleRef')] : [];
    default:
      return [];
  }
}

const mutablePodSpecFields = new Set([
  'activeDeadlineSeconds',
  'tolerations',
  'terminationGracePeriodSeconds',
]);

function withoutImages(containers: JsonValue | undefined): JsonValue {
  if (!Array.isArray(containers)) return containers ?? null;
  return containers.map((container) =>
    isJsonObject(container) ? { ...container, image: '' } : container,
  );
}

/** Pod spec is immutable except images, activeDeadlineSeconds and tolerations (ValidatePodUpdate). */
export function podUpdateErrors(next: JsonObject, previous: JsonObject): FieldCause[] {
  const nextSpec = objectAt(next, 'spec') ?? {};
  const previousSpec = objectAt(previous, 'spec') ?? {};
  const strip = (spec: JsonObject): JsonObject => {
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(spec)) {
      if (mutablePodSpecFields.has(key)) continue;
      copy[key] = key === 'containers' || key === 'initContainers' ? withoutImages(value) : value;
    }
    return copy;
  };
  if (jsonEqual(strip(nextSpec), strip(previousSpec))) return [];
  return [
    {
      field: 'spec',
      reason: 'FieldValueForbidden',
      message:
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    },
  ];
}
