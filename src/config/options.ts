import { optionRegistry, type OptionMeta } from './option.js';
import { etcdOptions, etcdRules } from './options/etcd.js';
import { generalOptions } from './options/general.js';
import { httpOptions, httpRules } from './options/http.js';
import { kubernetesOptions, kubernetesRules } from './options/kubernetes.js';
import { raftOptions, raftRules } from './options/raft.js';
import { workloadOptions } from './options/workload.js';
import { zookeeperOptions, zookeeperRules } from './options/zookeeper.js';
import type { ConfigRule } from './schema.js';

/**
 * Every setting of `elector run`, declared once in options/<group>.ts: its flag, its
 * environment variable, its help text, its default and its zod type. The schema and the
 * Config type, the parser, the environment reader, --help and the README table all come from
 * this table, so they cannot disagree. The order is the order of --help.
 */
export const optionShape = {
  ...generalOptions,
  ...httpOptions,
  ...raftOptions,
  ...etcdOptions,
  ...zookeeperOptions,
  ...kubernetesOptions,
  ...workloadOptions,
};

export type OptionKey = keyof typeof optionShape;

/** The rules between settings, in the order their problems are listed. */
export const configRules: readonly ConfigRule[] = [
  raftRules,
  etcdRules,
  zookeeperRules,
  kubernetesRules,
  httpRules,
];

export interface OptionSpec extends OptionMeta {
  readonly key: OptionKey;
}

function isOptionKey(key: string): key is OptionKey {
  return Object.hasOwn(optionShape, key);
}

/** The table as a list, in --help order. */
export const optionSpecs: readonly OptionSpec[] = Object.entries(optionShape).map(
  ([key, field]) => {
    const meta = optionRegistry.get(field);
    // Both hold for every row written with option(); the table test proves it.
    if (meta === undefined || !isOptionKey(key)) throw new Error(`${key}: not made by option()`);
    return { key, ...meta };
  },
);
