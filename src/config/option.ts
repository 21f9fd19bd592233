import { z } from 'zod';

type OptionGroup = 'general' | 'raft' | 'http' | 'etcd' | 'zookeeper' | 'kubernetes' | 'workload';

/** What --help, the README table, the flag parser and the environment reader know of a setting. */
export interface OptionMeta {
  readonly flag: string;
  readonly env: string;
  readonly group: OptionGroup;
  readonly description: string;
  /**
   * The default as text, parsed by the option's own schema like user input. The only place a
   * setting's default is written; absent when the setting is optional or computed.
   */
  readonly default?: string;
  /** For a default computed at run time from other settings: how, as shown in --help. */
  readonly computedDefault?: string;
  /** No default, and loading fails without a value (its schema says how). */
  readonly isRequired?: boolean;
  /** A bare `--flag` (no value) means `--flag true`; a value may still be given. */
  readonly isBoolean?: boolean;
  /** Its value is never echoed in an error. */
  readonly isSecret?: boolean;
  /**
   * The value is the secret itself, not a file holding it: given as a flag it shows in `ps` and
   * the shell history, so loading warns (see commandLineSecretWarnings).
   */
  readonly isSecretValue?: boolean;
}

/** A value schema that reads the text of a flag or an environment variable. */
type TextSchema = z.ZodType<unknown, string>;

/** The metadata of every option's field schema, looked up by the field. */
export const optionRegistry = z.registry<OptionMeta>();

type WithDefault = OptionMeta & {
  readonly default: string;
  readonly computedDefault?: never;
  readonly isRequired?: never;
};
type Required = OptionMeta & { readonly isRequired: true; readonly default?: never };
type Optional = OptionMeta & { readonly default?: never; readonly isRequired?: never };

/**
 * One row of the option table: the value schema plus its metadata. With a `default` the field
 * always has a value (the default text goes through the schema); a required one must be given;
 * any other is absent from the configuration when not given.
 */
export function option<Schema extends TextSchema>(
  schema: Schema,
  meta: WithDefault,
): z.ZodPrefault<Schema>;
export function option<Schema extends TextSchema>(schema: Schema, meta: Required): Schema;
export function option<Schema extends TextSchema>(
  schema: Schema,
  meta: Optional,
): z.ZodExactOptional<Schema>;
export function option(
  schema: TextSchema,
  meta: OptionMeta,
): TextSchema | z.ZodPrefault<TextSchema> | z.ZodExactOptional<TextSchema> {
  const field =
    meta.default !== undefined
      ? schema.prefault(meta.default)
      : meta.isRequired === true
        ? schema.clone()
        : schema.exactOptional();
  optionRegistry.add(field, meta);
  return field;
}

/** The text --help and the README show in the Default column; empty when there is none. */
export function shownDefault(meta: OptionMeta): string {
  return meta.computedDefault ?? meta.default ?? '';
}
