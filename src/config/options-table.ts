import { shownDefault } from './option.js';
import { optionSpecs, type OptionSpec } from './options.js';

const groupTitles: Readonly<Record<OptionSpec['group'], string>> = {
  general: 'General',
  http: 'HTTP API',
  raft: 'Raft mesh (`--backend raft`)',
  etcd: 'etcd (`--backend etcd`)',
  zookeeper: 'ZooKeeper (`--backend zookeeper`)',
  kubernetes: 'Kubernetes: pod labels and the Lease backend (`--backend kubernetes`)',
  workload: 'Workload health gate and hooks',
};

/** The configuration reference as Markdown tables; README.md embeds it and a test keeps it current. */
export function optionsMarkdown(): string {
  const sections: string[] = [];
  for (const group of Object.keys(groupTitles) as OptionSpec['group'][]) {
    const specs = optionSpecs.filter((spec) => spec.group === group);
    if (specs.length === 0) continue;
    const rows = specs.map((spec) => {
      const shown = shownDefault(spec);
      const defaultText = shown === '' ? '' : `\`${shown}\``;
      return `| \`--${spec.flag}\` | \`${spec.env}\` | ${defaultText} | ${spec.description.replaceAll('|', '\\|')} |`;
    });
    sections.push(
      [
        `#### ${groupTitles[group]}`,
        '',
        '| Flag | Environment | Default | Meaning |',
        '|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  }
  return sections.join('\n\n');
}
