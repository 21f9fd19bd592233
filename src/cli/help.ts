import { shownDefault } from '../config/option.js';
import { optionSpecs, type OptionSpec } from '../config/options.js';

const groupTitles: Readonly<Record<OptionSpec['group'], string>> = {
  general: 'General',
  http: 'HTTP API',
  raft: 'Raft mesh backend (--backend raft)',
  etcd: 'etcd backend (--backend etcd)',
  zookeeper: 'ZooKeeper backend (--backend zookeeper)',
  kubernetes: 'Kubernetes (labels, Lease backend)',
  workload: 'Workload health gate and hooks',
};

export const mainHelp = `elector: a leader-election sidecar for Kubernetes

Usage:
  elector run [options]      start the sidecar (see "elector run --help")
  elector status [--url U] [--timeout D] [--json]
                             ask a running sidecar (default http://127.0.0.1:4040, 3s) and print its view
  elector resign [--to ID] [--url U] [--timeout D] [--token-file F]
                             ask the leader's sidecar (default http://127.0.0.1:4040, 30s) to hand
                             leadership over: to member ID only, or refused and it keeps leading
  elector demo               start a 3-member Raft mesh on loopback and watch failover live
  elector --version | -v

Exit codes: 0 done, 1 failed at run time, 2 bad usage or configuration.
`;

/** How --help shows a flag: `pod-events [<value>]` when it may stand alone, else `id <value>`. */
export function flagUsage(spec: OptionSpec): string {
  return `${spec.flag} ${spec.isBoolean === true ? '[<value>]' : '<value>'}`;
}

/** --help for `elector run`, generated from the option table so it never drifts from the parser. */
export function runHelp(): string {
  const lines = [
    'Usage: elector run [options]',
    '',
    'Every option can also be set with its environment variable; flags win. A flag is given',
    'once, as --flag value or --flag=value; a list takes one comma-separated value; [<value>]',
    'marks a flag that alone means true. Durations: 500ms, 5s, 1m30s, 1h (Go syntax; whole ms).',
    'Hosts may be IPv6 literals in brackets: [::1]:7946.',
    '',
  ];
  for (const group of Object.keys(groupTitles) as OptionSpec['group'][]) {
    const specs = optionSpecs.filter((spec) => spec.group === group);
    if (specs.length === 0) continue;
    lines.push(`${groupTitles[group]}:`);
    for (const spec of specs) {
      const shown = shownDefault(spec);
      const defaultText = shown === '' ? '' : ` (default ${shown})`;
      lines.push(
        `  --${flagUsage(spec)}   [${spec.env}]`,
        `      ${spec.description}${defaultText}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
