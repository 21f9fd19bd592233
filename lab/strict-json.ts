import jsonc from 'jsonc-parser';

/**
 * Why a text is not strict JSON: a syntax error (with its offset) or a key that occurs twice in
 * one object (with the JSON path of that object, e.g. `$` or `$.err.cause`). Elasticsearch and
 * OpenSearch reject a document with a duplicate key, though `JSON.parse` keeps the last one.
 */
export interface StrictJsonProblem {
  readonly kind: 'syntax' | 'duplicate-key';
  readonly message: string;
}

/**
 * Checks one JSON text as a strict parser would: no comments, no trailing commas, no duplicate
 * key in any object at any depth. Returns every problem found; an empty list means the text is
 * strict JSON and `JSON.parse` reads it without losing anything.
 */
export function strictJsonProblems(text: string): readonly StrictJsonProblem[] {
  const problems: StrictJsonProblem[] = [];
  // One set of keys per open object; arrays push null so the path stays aligned.
  const open: { keys: Set<string> | null; path: string }[] = [];
  let pendingKey: string | null = null;
  const childPath = (): string => {
    const parent = open.at(-1);
    if (parent === undefined) return '$';
    if (parent.keys === null) return `${parent.path}[]`;
    return `${parent.path}.${pendingKey ?? '?'}`;
  };
  jsonc.visit(
    text,
    {
      onObjectBegin: () => {
        open.push({ keys: new Set(), path: childPath() });
      },
      onObjectEnd: () => {
        open.pop();
      },
      onArrayBegin: () => {
        open.push({ keys: null, path: childPath() });
      },
      onArrayEnd: () => {
        open.pop();
      },
      onObjectProperty: (property) => {
        pendingKey = property;
        const object = open.at(-1);
        if (object?.keys === null || object === undefined) return;
        if (object.keys.has(property)) {
          problems.push({
            kind: 'duplicate-key',
            message: `duplicate key ${JSON.stringify(property)} in ${object.path}`,
          });
        }
        object.keys.add(property);
      },
      onComment: (offset) => {
        problems.push({ kind: 'syntax', message: `comment at offset ${offset}` });
      },
      onError: (error, offset) => {
        problems.push({
          kind: 'syntax',
          message: `${jsonc.printParseErrorCode(error)} at offset ${offset}`,
        });
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  return problems;
}

/**
 * Parses one JSON text strictly (see `strictJsonProblems`). Throws an Error naming every problem
 * and quoting the text when it is not strict JSON.
 */
export function parseStrictJson(text: string): unknown {
  const problems = strictJsonProblems(text);
  if (problems.length > 0) {
    throw new Error(
      `not strict JSON (${problems.map((problem) => problem.message).join('; ')}): ${text}`,
    );
  }
  return JSON.parse(text);
}
