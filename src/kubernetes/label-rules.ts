// Kubernetes label and annotation rules (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName,
// IsValidLabelValue, IsDNS1123Subdomain), checked before any request so that a bad key in the
// configuration is refused at start with a message naming the key and the rule it breaks.

const namePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namePartRule =
  "at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/** Why `value` is not a lowercase RFC 1123 subdomain (e.g. "elector.io"), or null if it is one. */
function dnsSubdomainProblem(value: string): string | null {
  if (value === '') return 'is empty';
  if (value.length > 253) return `is ${value.length} characters long; the limit is 253`;
  if (!value.split('.').every((label) => dnsLabel.test(label))) {
    return "is not a lowercase RFC 1123 subdomain (lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit)";
  }
  return null;
}

function qualifiedNameProblem(what: string, key: string): string | null {
  const parts = key.split('/');
  if (parts.length > 2) {
    return `${what} "${key}" contains more than one "/"; expected an optional DNS-subdomain prefix and a name, such as "elector.io/role"`;
  }
  const [first = '', second] = parts;
  const name = second ?? first;
  if (second !== undefined) {
    const problem = dnsSubdomainProblem(first);
    if (problem !== null) return `${what} "${key}": the prefix "${first}" ${problem}`;
  }
  if (name === '') return `${what} "${key}": the name part is empty`;
  if (name.length > 63) {
    return `${what} "${key}": the name part "${name}" is ${name.length} characters long; the limit is 63`;
  }
  if (!namePart.test(name)) {
    return `${what} "${key}": the name part "${name}" must be ${namePartRule}`;
  }
  return null;
}

/**
 * Checks a label key as the apiserver does (a qualified name: `[prefix/]name`, the prefix a DNS
 * subdomain of at most 253 characters, the name at most 63 characters of [A-Za-z0-9-_.] that
 * start and end alphanumeric). Returns null when valid, otherwise one sentence that names the
 * key and the rule it breaks.
 */
export function validateLabelKey(key: string): string | null {
  return qualifiedNameProblem('label key', key);
}

/** Annotation keys follow the label-key rules, compared in lower case. Null when valid. */
export function validateAnnotationKey(key: string): string | null {
  return qualifiedNameProblem('annotation key', key.toLowerCase()) === null
    ? null
    : qualifiedNameProblem('annotation key', key);
}

/** A pod condition type other than the built-in ones must be a qualified name. Null when valid. */
export function validateConditionType(type: string): string | null {
  return qualifiedNameProblem('pod condition type', type);
}

/** A label value: empty, or what a label key's name part may be. Null when valid. */
export function validateLabelValue(value: string): string | null {
  if (value === '') return null;
  if (value.length > 63) {
    return `label value "${value}" is ${value.length} characters long; the limit is 63`;
  }
  return namePart.test(value) ? null : `label value "${value}" must be ${namePartRule}`;
}
