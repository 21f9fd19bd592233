// Name, label and annotation rules from k8s.io/apimachinery/pkg/util/validation (v0.32), with the
// same messages, so a rejected request reads as the real apiserver's answer.
import { describeJson, isJsonObject, objectAt, type JsonObject } from './json.js';
import type { NameRule } from './resources.js';
import type { FieldCause } from './status.js';

const labelKeyFormat = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFormat = `(${labelKeyFormat})?`;
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`;
const dns1123SubdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1123LabelMessage =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1035LabelFormat = '[a-z]([-a-z0-9]*[a-z0-9])?';
const dns1035LabelMessage =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

function regexError(message: string, format: string, examples: readonly string[]): string {
  const shown = examples.map((example) => `'${example}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

function maxLengthError(length: number): string {
  return `must be no more than ${length} characters`;
}

function fullMatch(format: string, value: string): boolean {
  return new RegExp(`^${format}$`).test(value);
}

/** IsDNS1123Subdomain: the messages for an invalid value, empty when valid. */
function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(maxLengthError(253));
  if (!fullMatch(dns1123SubdomainFormat, value)) {
    errors.push(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, ['example.com']));
  }
  return errors;
}

function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLengthError(63));
  if (!fullMatch(dns1123LabelFormat, value)) {
    errors.push(regexError(dns1123LabelMessage, dns1123LabelFormat, ['my-name', '123-abc']));
  }
  return errors;
}

function dns1035LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLengthError(63));
  if (!fullMatch(dns1035LabelFormat, value)) {
    errors.push(regexError(dns1035LabelMessage, dns1035LabelFormat, ['my-name', 'abc-123']));
  }
  return errors;
}

/** IsQualifiedName: a label (or annotation) key, with an optional DNS-subdomain prefix. */
export function labelKeyErrors(key: string): string[] {
  const errors: string[] = [];
  const parts = key.split('/');
  const examples = ['MyName', 'my.name', '123-abc'];
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(labelKeyMessage, labelKeyFormat, examples)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...dns1123SubdomainErrors(prefix).map((error) => `prefix part ${error}`));
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLengthError(63)}`);
  if (!fullMatch(labelKeyFormat, name)) {
    errors.push(`name part ${regexError(labelKeyMessage, labelKeyFormat, examples)}`);
  }
  return errors;
}

/** IsValidLabelValue: empty, or at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(maxLengthError(63));
  if (!fullMatch(labelValueFormat, value)) {
    errors.push(regexError(labelValueMessage, labelValueFormat, ['MyValue', 'my_value', '12345']));
  }
  return errors;
}

/** The field error body for an invalid string value, as field.Invalid renders it. */
export function invalidValue(field: string, value: string, detail: string): FieldCause {
  return {
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  };
}

export function requiredValue(field: string, detail = ''): FieldCause {
  return {
    field,
    reason: 'FieldValueRequired',
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
  };
}

/** The name errors for one naming rule (registry strategies pick the rule per resource). */
export function nameErrors(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'dns1123-subdomain':
      return dns1123SubdomainErrors(name);
    case 'dns1123-label':
      return dns1123LabelErrors(name);
    case 'dns1035-label':
      return dns1035LabelErrors(name);
    case 'path-segment':
      if (name === '.' || name === '..') return [`may not be '${name}'`];
      if (name.includes('/')) return [`may not contain '/'`];
      if (name.includes('%')) return [`may not contain '%'`];
      return [];
  }
}

const totalAnnotationSizeLimitBytes = 256 * 1024;

/** ValidateObjectMeta's checks on labels, annotations, finalizers (not the name). */
export function metadataErrors(metadata: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const labels = objectAt(metadata, 'labels') ?? {};
  for (const [key, value] of Object.entries(labels)) {
    for (const error of labelKeyErrors(key))
      causes.push(invalidValue('metadata.labels', key, error));
    if (typeof value !== 'string') {
      causes.push(invalidValue('metadata.labels', describeJson(value), 'must be a string'));
      continue;
    }
    for (const error of labelValueErrors(value)) {
      causes.push(invalidValue('metadata.labels', value, error));
    }
  }
  const annotations = objectAt(metadata, 'annotations') ?? {};
  let totalBytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const error of labelKeyErrors(key.toLowerCase())) {
      causes.push(invalidValue('metadata.annotations', key, error));
    }
    totalBytes += Buffer.byteLength(key) + Buffer.byteLength(describeJson(value));
  }
  if (totalBytes > totalAnnotationSizeLimitBytes) {
    causes.push({
      field: 'metadata.annotations',
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${totalAnnotationSizeLimitBytes} bytes`,
    });
  }
  const finalizers = metadata.finalizers;
  if (finalizers !== undefined && finalizers !== null) {
    if (!Array.isArray(finalizers) || finalizers.some((item) => typeof item !== 'string')) {
      causes.push(invalidValue('metadata.finalizers', '', 'must be a list of strings'));
    }
  }
  if (metadata.ownerReferences !== undefined && !Array.isArray(metadata.ownerReferences)) {
    causes.push(invalidValue('metadata.ownerReferences', '', 'must be a list'));
  }
  for (const key of ['labels', 'annotations'] as const) {
    const value = metadata[key];
    if (value !== undefined && value !== null && !isJsonObject(value)) {
      causes.push(invalidValue(`metadata.${key}`, '', 'must be a map of strings'));
    }
  }
  return causes;
}
