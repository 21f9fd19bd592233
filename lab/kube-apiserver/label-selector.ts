// Label selectors as k8s.io/apimachinery/pkg/labels parses them: requirements joined by commas,
// each one of `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`,
// `key>n`, `key<n`. A bad selector is a 400 BadRequest, as from the real apiserver.
import { badRequest } from './status.js';
import { labelKeyErrors, labelValueErrors } from './validation.js';

type Operator = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

/** One parsed requirement; a selector matches when all of them match. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

const specialCharacters = new Set([' ', '\t', '\n', ',', '(', ')', '=', '!', '<', '>']);

function tokenize(selector: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < selector.length) {
    const character = selector.charAt(index);
    if (character === ' ' || character === '\t' || character === '\n') {
      index += 1;
    } else if (selector.startsWith('==', index) || selector.startsWith('!=', index)) {
      tokens.push(selector.slice(index, index + 2));
      index += 2;
    } else if (specialCharacters.has(character)) {
      tokens.push(character);
      index += 1;
    } else {
      let end = index;
      while (end < selector.length && !specialCharacters.has(selector.charAt(end))) end += 1;
      tokens.push(selector.slice(index, end));
      index = end;
    }
  }
  return tokens;
}

function isIdentifier(token: string | undefined): token is string {
  return token !== undefined && !specialCharacters.has(token.charAt(0));
}

/** Parses a labelSelector query value; throws a 400 ApiError when it is malformed. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const tokens = tokenize(selector);
  const requirements: LabelRequirement[] = [];
  let position = 0;
  const fail = (detail: string): never => {
    throw badRequest(`unable to parse requirement: ${detail}`);
  };
  const next = (): string | undefined => tokens[position++];
  while (position < tokens.length) {
    let token = next();
    let requirement: LabelRequirement;
    if (token === '!') {
      token = next();
      if (!isIdentifier(token)) return fail(`found '${String(token)}', expected: identifier`);
      requirement = { key: token, operator: '!exists', values: [] };
    } else {
      if (!isIdentifier(token)) return fail(`found '${String(token)}', expected: !, identifier`);
      const key = token;
      const operator = tokens[position];
      if (operator === undefined || operator === ',') {
        requirement = { key, operator: 'exists', values: [] };
      } else if (operator === 'in' || operator === 'notin') {
        position += 1;
        if (next() !== '(') return fail(`found '${tokens[position - 1] ?? ''}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          const value = tokens[position];
          if (value === ')') {
            position += 1;
            break;
          }
          if (value === ',') {
            position += 1;
            if (values.length === 0 || tokens[position] === ',' || tokens[position] === ')') {
              values.push('');
            }
            continue;
          }
          if (!isIdentifier(value)) return fail(`found '${String(value)}', expected: ',', ')'`);
          values.push(value);
          position += 1;
        }
        if (values.length === 0) values.push('');
        requirement = { key, operator, values };
      } else if (operator === '=' || operator === '==' || operator === '!=') {
        position += 1;
        const value = tokens[position];
        const hasValue = isIdentifier(value);
        if (hasValue) position += 1;
        requirement = {
          key,
          operator: operator === '!=' ? '!=' : '=',
          values: [hasValue ? value : ''],
        };
      } else if (operator === '<' || operator === '>') {
        position += 1;
        const value = next();
        if (value === undefined || !/^-?\d+$/.test(value)) {
          return fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        requirement = { key, operator: operator === '>' ? 'gt' : 'lt', values: [value] };
      } else {
        return fail(`found '${operator}', expected: '=', '!=', '==', 'in', notin'`);
      }
    }
    const keyErrors = labelKeyErrors(requirement.key);
    if (keyErrors[0] !== undefined)
      fail(`key: Invalid value: "${requirement.key}": ${keyErrors[0]}`);
    if (requirement.operator !== 'gt' && requirement.operator !== 'lt') {
      for (const value of requirement.values) {
        const valueErrors = labelValueErrors(value);
        if (valueErrors[0] !== undefined)
          fail(`values[0][${requirement.key}]: Invalid value: "${value}": ${valueErrors[0]}`);
      }
    }
    requirements.push(requirement);
    const separator = next();
    if (separator !== undefined && separator !== ',') {
      fail(`found '${separator}', expected: ',' or 'end of string'`);
    }
  }
  return requirements;
}

function matchesRequirement(
  requirement: LabelRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const hasKey = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return hasKey;
    case '!exists':
      return !hasKey;
    case '=':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case '!=':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const bound = Number(requirement.values[0]);
      return requirement.operator === 'gt' ? Number(value) > bound : Number(value) < bound;
    }
  }
}

/** True when the labels satisfy every requirement (an empty selector matches everything). */
export function matchesLabelSelector(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((requirement) => matchesRequirement(requirement, labels));
}
