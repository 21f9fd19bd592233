import type { z } from 'zod';
import { ElectorError } from '../core/errors.js';
import { configRules, optionSpecs, type OptionKey, type OptionSpec } from './options.js';
import { givenTwice } from './repeated-flag.js';
import { redactedUrl } from './redacted-url.js';
import { configSchema, type Config } from './schema.js';

interface RawValue {
  readonly text: string;
  /** Where the value came from, as the user wrote it: "--backend" or "ELECTOR_BACKEND". */
  readonly source: string;
}

const specByFlag = new Map(optionSpecs.map((spec) => [spec.flag, spec]));
const specByKey = new Map<string, OptionSpec>(optionSpecs.map((spec) => [spec.key, spec]));

function invalid(problems: readonly string[]): ElectorError {
  return new ElectorError('CONFIG_INVALID', problems.join('\n'));
}

function shown(spec: OptionSpec, text: string): string {
  return spec.isSecret === true ? '(hidden)' : JSON.stringify(redactedUrl(text));
}

/**
 * Reads `--flag value`, `--flag=value` and, for a boolean, a bare `--flag` (true); refuses
 * unknown flags by name, and a flag given twice (a list too: it takes one comma-separated
 * value), naming both values, since silently keeping one would hide the mistake.
 */
function readFlags(argv: readonly string[], problems: string[]): Map<string, RawValue> {
  const values = new Map<string, RawValue>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (!argument.startsWith('--')) {
      problems.push(`"${argument}": unexpected argument; settings are given as --flag value`);
      continue;
    }
    const [name = '', inline] = argument.slice(2).split(/=(.*)/s, 2);
    const spec = specByFlag.get(name);
    if (spec === undefined) {
      problems.push(`--${name}: unknown flag${suggestion(name)}; see "elector run --help"`);
      if (inline === undefined && argv[index + 1]?.startsWith('--') === false) index++;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[index + 1];
      if (spec.isBoolean === true && (next === undefined || next.startsWith('--'))) {
        text = 'true';
      } else if (next === undefined) {
        problems.push(`--${name}: expected a value`);
        continue;
      } else {
        text = next;
        index++;
      }
    }
    const earlier = values.get(spec.key);
    if (earlier !== undefined) {
      const hint = spec.default === '' ? ', with a comma-separated list' : '';
      problems.push(givenTwice(name, shown(spec, earlier.text), shown(spec, text), hint));
      continue;
    }
    values.set(spec.key, { text, source: `--${name}` });
  }
  return values;
}

function suggestion(name: string): string {
  const near = optionSpecs.filter((spec) => editDistance(spec.flag, name) <= 2);
  const close =
    near.length > 0
      ? near
      : optionSpecs.filter((spec) => spec.flag.startsWith(name) || name.startsWith(spec.flag));
  return close.length === 0
    ? ''
    : ` (did you mean ${close.map((spec) => `--${spec.flag}`).join(' or ')}?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function readEnvironment(env: NodeJS.ProcessEnv): Map<string, RawValue> {
  const values = new Map<string, RawValue>();
  for (const spec of optionSpecs) {
    const text = env[spec.env];
    if (text !== undefined && text !== '') values.set(spec.key, { text, source: spec.env });
  }
  return values;
}

/**
 * ELECTOR_* names elector knows that are not settings: the variables it sets for its hooks
 * (present when elector runs under another elector's hook), the seed of the simulations, the
 * test-only switches and the fault campaigns' lengths (docs/fault-testing.md). They draw no
 * warning.
 */
const variablesOutsideTheTable = new Set([
  'ELECTOR_HOOK',
  'ELECTOR_ROLE',
  'ELECTOR_LEADER',
  'ELECTOR_FENCING_TOKEN',
  'ELECTOR_PREVIOUS_FENCING_TOKEN',
  'ELECTOR_TERM',
  'ELECTOR_SEED',
  'ELECTOR_TEST_WALL_CLOCK_FILE',
  'ELECTOR_TEST_CLOCK_RATE',
  'ELECTOR_CAMPAIGN_SECONDS',
  'ELECTOR_BACKEND_CAMPAIGN_SECONDS',
  'ELECTOR_CAMPAIGN_BACKENDS',
]);
const knownVariables = new Set(optionSpecs.map((spec) => spec.env));

/**
 * One line per ELECTOR_* variable in `env` that is no setting (a misspelling is otherwise
 * silently ignored), naming it and the nearest variables that are. Warnings, not errors: a
 * variable meant for something else must not stop the sidecar.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): readonly string[] {
  return Object.keys(env)
    .filter(
      (name) =>
        name.startsWith('ELECTOR_') &&
        !knownVariables.has(name) &&
        !variablesOutsideTheTable.has(name),
    )
    .sort()
    .map((name) => {
      const distances = optionSpecs.map((spec) => ({
        env: spec.env,
        distance: editDistance(spec.env, name),
      }));
      const nearest = Math.min(...distances.map(({ distance }) => distance));
      const names = distances
        .filter(({ distance }) => distance === nearest)
        .map(({ env: candidate }) => candidate);
      return `${name}: not a setting elector knows, ignored (did you mean ${names.join(' or ')}?)`;
    });
}

/**
 * One line per flag in `argv` whose value is a secret itself (see OptionMeta.isSecretValue):
 * anyone on the machine can read it in `ps`. Warnings, not errors: refusing would break setups
 * that work, and the line tells what to use instead.
 */
export function commandLineSecretWarnings(argv: readonly string[]): readonly string[] {
  return optionSpecs
    .filter(
      (spec) =>
        spec.isSecretValue === true &&
        argv.some(
          (argument) => argument === `--${spec.flag}` || argument.startsWith(`--${spec.flag}=`),
        ),
    )
    .map(
      (spec) =>
        `--${spec.flag}: a secret on the command line is visible to every user of the machine (ps, /proc/<pid>/cmdline); use --${spec.flag}-file or ${spec.env}`,
    );
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: RawValue | undefined,
  spec: OptionSpec | undefined,
): string {
  const name = raw?.source ?? (spec === undefined ? String(issue.path[0]) : `--${spec.flag}`);
  const expected =
    issue.code === 'invalid_value'
      ? `expected one of ${issue.values.map(String).join(', ')}`
      : issue.message;
  const got =
    raw === undefined
      ? ''
      : `; got ${spec === undefined ? JSON.stringify(redactedUrl(raw.text)) : shown(spec, raw.text)}`;
  return `${name}: ${expected}${got}`;
}

/**
 * Builds the configuration from flags (which win), ELECTOR_* variables and the table's
 * defaults, then checks every value and the rules between them. Throws CONFIG_INVALID listing
 * every problem, each naming the flag or variable, the value received and what is accepted,
 * then any unknown ELECTOR_* variable with the nearest name; nothing is half-applied.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const raw = new Map([...readEnvironment(env), ...readFlags(argv, problems)]);
  const input = Object.fromEntries([...raw].map(([key, value]) => [key, value.text]));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      problems.push(describeIssue(issue, raw.get(key), specByKey.get(key)));
    }
  }
  // A misspelt variable often is the problem ("--id: required" when ELECTOR_ID is misspelt).
  const hints = unknownVariableWarnings(env);
  if (problems.length > 0 || !parsed.success) throw invalid([...problems, ...hints]);
  const config = parsed.data;
  const nameOf = (key: OptionKey): string =>
    raw.get(key)?.source ?? `--${specByKey.get(key)?.flag ?? key}`;
  problems.push(...configRules.flatMap((rule) => rule(config, nameOf)));
  if (problems.length > 0) throw invalid([...problems, ...hints]);
  return config;
}
