// A flag given twice is refused by every command, in one wording: silently keeping one value
// would hide the mistake.

/** The problem line for `--flag` given twice, naming both values as they may be shown. */
export function givenTwice(flag: string, earlier: string, later: string, hint = ''): string {
  return `--${flag}: given twice (${earlier} and ${later}); give it once${hint}`;
}

/** What node:util parseArgs returns as `tokens`, as far as a repeat check reads it. */
interface FlagToken {
  readonly kind: string;
  readonly name?: string;
  readonly value?: string | undefined;
}

/**
 * One problem per repeat among parseArgs tokens (`parseArgs({ tokens: true })`), naming the
 * flag, its first value and the repeated one (a bare boolean reads "true"). Empty if none.
 */
export function repeatedFlagProblems(tokens: readonly FlagToken[]): string[] {
  const firstValue = new Map<string, string>();
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const text = JSON.stringify(token.value ?? 'true');
    const earlier = firstValue.get(token.name);
    if (earlier === undefined) firstValue.set(token.name, text);
    else problems.push(givenTwice(token.name, earlier, text));
  }
  return problems;
}
