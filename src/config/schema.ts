import { z } from 'zod';
import { optionShape, type OptionKey } from './options.js';

/** One zod schema for the whole configuration, made of the option table's rows. */
export const configSchema = z.object(optionShape);

/**
 * The validated settings of `elector run`, inferred from the option table: a setting with a
 * default always has a value; an optional one is absent when not given.
 */
export type Config = Readonly<z.output<typeof configSchema>>;

/**
 * A rule between settings (one backend's required settings, options that go together). Returns
 * one line per broken rule, naming each setting by `nameOf` (the flag or variable it came from).
 */
export type ConfigRule = (config: Config, nameOf: (key: OptionKey) => string) => readonly string[];

/**
 * Every default of the table, parsed. What a programmatic caller of a backend, the health gate
 * or the hooks gets for a setting it leaves out, so they share the table's one default.
 */
export const optionDefaults = configSchema.omit({ id: true }).parse({});
