// Field selectors: `field=value`, `field==value`, `field!=value`, joined by commas, over the
// fields each resource supports (the real registries whitelist them per type).
import { isJsonObject, type JsonObject } from './json.js';
import type { ResourceType } from './resources.js';
import { badRequest } from './status.js';

/** One parsed field requirement. */
export interface FieldRequirement {
  readonly field: string;
  readonly isNegated: boolean;
  readonly value: string;
}

const commonFields = ['metadata.name', 'metadata.namespace'];

const fieldsByKind: Record<string, readonly string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

/** Splits on separators that are not escaped with a backslash (fields.ParseSelector rules). */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (character === '\\' && index + 1 < text.length) {
      current += text.charAt(index + 1);
      index += 1;
    } else if (text.startsWith(separator, index)) {
      parts.push(current);
      current = '';
      index += separator.length - 1;
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * The name a list or watch is limited to by `metadata.name=<name>` (or `==`), as
 * fields.Selector.RequiresExactMatch finds it; '' when there is none. The apiserver's
 * RequestInfoFactory puts it in the request's name, so RBAC rules with resourceNames can allow
 * watching a single object.
 */
export function exactNameOf(selector: string): string {
  for (const term of splitUnescaped(selector, ',')) {
    if (term.includes('!=')) continue;
    const separator = term.includes('==') ? '==' : '=';
    const [field = '', value = ''] = splitUnescaped(term, separator);
    if (field.trim() === 'metadata.name') return value;
  }
  return '';
}

/** Parses a fieldSelector for `type`; throws 400 for bad syntax or an unsupported field. */
export function parseFieldSelector(selector: string, type: ResourceType): FieldRequirement[] {
  if (selector.trim() === '') return [];
  const supported = new Set([...commonFields, ...(fieldsByKind[type.kind] ?? [])]);
  return splitUnescaped(selector, ',').map((term) => {
    let requirement: FieldRequirement;
    if (term.includes('!=')) {
      const [field = '', value = ''] = splitUnescaped(term, '!=');
      requirement = { field, isNegated: true, value };
    } else if (term.includes('==')) {
      const [field = '', value = ''] = splitUnescaped(term, '==');
      requirement = { field, isNegated: false, value };
    } else if (term.includes('=')) {
      const [field = '', value = ''] = splitUnescaped(term, '=');
      requirement = { field, isNegated: false, value };
    } else {
      throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    }
    if (!supported.has(requirement.field.trim())) {
      throw badRequest(`field label not supported: ${requirement.field.trim()}`);
    }
    return { ...requirement, field: requirement.field.trim() };
  });
}

function fieldValue(object: JsonObject, path: string): string {
  if (path === 'source') {
    const source = object.source;
    return isJsonObject(source) && typeof source.component === 'string' ? source.component : '';
  }
  let current: unknown = object;
  for (const segment of path.split('.')) {
    current = isJsonObject(current) ? current[segment] : undefined;
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'boolean' || typeof current === 'number') return String(current);
  return '';
}

/** True when the object satisfies every field requirement. */
export function matchesFieldSelector(
  requirements: readonly FieldRequirement[],
  object: JsonObject,
): boolean {
  return requirements.every((requirement) => {
    const actual = fieldValue(object, requirement.field);
    return requirement.isNegated ? actual !== requirement.value : actual === requirement.value;
  });
}
