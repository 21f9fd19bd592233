import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { validateRaftConfig } from '../core/raft/config.js';
import { ElectorError } from '../core/errors.js';
import { optionSpecs, type OptionSpec } from './options.js';
import { configSchema, defaultValues, type Config } from './schema.js';

interface RawValue {
  readonly text: string;
  /** Where the value came from, as the user wrote it: "--backend" or "ELECTOR_BACKEND". */
  readonly source: string;
}

const specByFlag = new Map(optionSpecs.map((spec) => [spec.flag, spec]));
const specByKey = new Map(optionSpecs.map((spec) => [spec.key, spec]));

function invalid(problems: readonly string[]): ElectorError {
  return new ElectorError('CONFIG_INVALID', problems.join('\n'));
}

/** Reads `--flag value`, `--flag=value` and boolean `--flag`; refuses unknown flags by name. */
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
      : `; got ${spec?.isSecret === true ? '(hidden)' : JSON.stringify(raw.text)}`;
  return `${name}: ${expected}${got}`;
}

/**
 * Builds the configuration from flags (which win) and ELECTOR_* variables, then checks every
 * value and the rules between them. Throws CONFIG_INVALID listing every problem, each naming
 * the flag or variable, the value received and what is accepted; nothing is half-applied.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const raw = new Map([...readEnvironment(env), ...readFlags(argv, problems)]);
  const input: Record<string, string> = { ...defaultValues };
  for (const [key, value] of raw) input[key] = value.text;
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      problems.push(describeIssue(issue, raw.get(key), specByKey.get(key)));
    }
  }
  if (problems.length > 0 || !parsed.success) throw invalid(problems);
  const config = parsed.data as unknown as Config;
  const nameOf = (key: string): string =>
    raw.get(key)?.source ?? `--${specByKey.get(key)?.flag ?? key}`;
  problems.push(...crossFieldProblems(config, nameOf));
  if (problems.length > 0) throw invalid(problems);
  return config;
}

function crossFieldProblems(config: Config, nameOf: (key: string) => string): string[] {
  const problems: string[] = [];
  if ((config.id as string | undefined) === undefined) {
    problems.push(
      `--id: required (or ELECTOR_ID): this member's unique, stable ID, e.g. the pod name`,
    );
    return problems;
  }
  if (config.backend === 'raft') {
    try {
      validateRaftConfig({
        ...config,
        members: config.members.length === 0 ? [config.id] : config.members,
      });
    } catch (error) {
      if (!(error instanceof ElectorError)) throw error;
      problems.push(...error.message.split('\n').map((line) => renameFields(line, nameOf)));
    }
    if (
      config.clusterSecret === undefined &&
      config.clusterSecretFile === undefined &&
      config.members.length > 1
    ) {
      problems.push(
        '--cluster-secret-file: required for a Raft mesh of more than one member (or ELECTOR_CLUSTER_SECRET); peers authenticate with it',
      );
    }
    for (const entry of [...config.peers, ...config.peerHttpAddresses]) {
      if (!/^[^=\s]+=[^\s:]+:\d{1,5}$/.test(entry)) {
        problems.push(
          `${config.peers.includes(entry) ? nameOf('peers') : nameOf('peerHttpAddresses')}: expected "id=host:port" entries; got ${JSON.stringify(entry)}`,
        );
      }
    }
  }
  if (config.backend === 'etcd' && config.etcdEndpoints.length === 0) {
    problems.push(`${nameOf('etcdEndpoints')}: required with --backend etcd, e.g. 127.0.0.1:2379`);
  }
  if (
    config.backend === 'etcd' &&
    (config.etcdCertFile === undefined) !== (config.etcdKeyFile === undefined)
  ) {
    problems.push(`${nameOf('etcdCertFile')}: --etcd-cert-file and --etcd-key-file go together`);
  }
  if (
    config.backend === 'etcd' &&
    (config.etcdUsername === undefined) !== (config.etcdPasswordFile === undefined)
  ) {
    problems.push(
      `${nameOf('etcdUsername')}: --etcd-username and --etcd-password-file go together`,
    );
  }
  if (config.backend === 'zookeeper' && config.zookeeperConnect === undefined) {
    problems.push(
      `${nameOf('zookeeperConnect')}: required with --backend zookeeper, e.g. 127.0.0.1:2181`,
    );
  }
  if (config.backend === 'kubernetes' && config.namespace === undefined) {
    problems.push(
      `${nameOf('namespace')}: required with --backend kubernetes (downward API metadata.namespace)`,
    );
  }
  if (config.podLabels === 'true' && config.namespace === undefined) {
    problems.push(
      `${nameOf('namespace')}: required when ${nameOf('podLabels')} is true (downward API metadata.namespace)`,
    );
  }
  if (config.resignPolicy !== 'loopback' && config.resignTokenFile === undefined) {
    problems.push(
      `${nameOf('resignTokenFile')}: required when ${nameOf('resignPolicy')} is "${config.resignPolicy}"`,
    );
  }
  return problems;
}

const raftFieldKeys: Readonly<Record<string, string>> = {
  heartbeatIntervalMs: 'heartbeatIntervalMs',
  electionTimeoutMs: 'electionTimeoutMs',
  maxClockDrift: 'maxClockDrift',
  members: 'members',
  id: 'id',
};

function renameFields(line: string, nameOf: (key: string) => string): string {
  const match = /^(\w+): (.*)$/s.exec(line);
  const field = match?.[1];
  const key = field === undefined ? undefined : raftFieldKeys[field];
  return key === undefined || match === null ? line : `${nameOf(key)}: ${match[2] ?? ''}`;
}

/** Reads a secret from its file (trailing newline removed), naming the flag when it cannot. */
export function readSecretFile(path: string, flag: string): string {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (text.length < 16) throw new Error('shorter than 16 characters');
    return text;
  } catch (error) {
    throw new ElectorError(
      'CONFIG_INVALID',
      `${flag}: cannot use ${JSON.stringify(path)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
