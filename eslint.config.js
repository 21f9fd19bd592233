// Lint rules, including the one-way layer rule from docs/architecture.md: a folder imports only
// from itself and from the layers to its left
// (core -> runtime, kubernetes, config -> backends, pod-labels, workload -> sidecar -> http -> cli),
// and no backend imports another.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layerImportBans = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

const folders = {
  runtime: 1,
  kubernetes: 1,
  config: 1,
  backends: 2,
  'pod-labels': 2,
  workload: 2,
  sidecar: 3,
  http: 4,
  cli: 5,
};
const backends = ['raft', 'etcd', 'zookeeper', 'kubernetes'];

/** Each src folder may import core, its own folder and the folders of lower layers only. */
function layerRules() {
  const rules = Object.entries(folders).flatMap(([folder, layer]) => {
    const banned = Object.entries(folders)
      .filter(([other, otherLayer]) => other !== folder && otherLayer >= layer)
      .map(([other]) => other);
    if (banned.length === 0) return [];
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: layerImportBans([
        {
          regex: `^(\\.\\./)+(${banned.join('|')})(/|\\.js$)`,
          message: `src/${folder} may import only core and ${
            Object.entries(folders)
              .filter(([, otherLayer]) => otherLayer < layer)
              .map(([other]) => other)
              .join(', ') || 'nothing else'
          } besides its own folder (docs/architecture.md).`,
        },
        ...(layer < 5
          ? [{ regex: '^(\\.\\./)+cli(\\.js)?$', message: 'Only cli.ts imports cli/.' }]
          : []),
        ...(folder === 'backends'
          ? [{ group: ['prom-client'], message: 'Metrics flow through the observer in core.' }]
          : []),
      ]),
    };
  });
  for (const backend of backends) {
    const others = backends.filter((other) => other !== backend);
    rules.push({
      files: [`src/backends/${backend}/**/*.ts`],
      rules: layerImportBans([
        {
          regex: `^(\\.\\./)+(${[...Object.keys(folders).filter((f) => folders[f] >= 2)].join('|')})(/|\\.js$)`,
          message: 'A backend imports only core, runtime, kubernetes, config and backends/*.ts.',
        },
        {
          regex: `^\\.\\./(${others.join('|')})/`,
          message: 'No backend imports another backend.',
        },
        { group: ['prom-client'], message: 'Metrics flow through the observer in core.' },
      ]),
    });
  }
  return rules;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.tools/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...layerImportBans([
        {
          regex: '^(?!\\.{1,2}/)',
          message: 'core is pure: no node:* modules and no npm packages.',
        },
        { regex: '^(\\.\\./){2,}', message: 'core imports only other core files.' },
      ]),
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core takes no process state; pass it in.' },
        { name: 'setTimeout', message: 'core has no timers; return a wake-up time.' },
        { name: 'setInterval', message: 'core has no timers; return a wake-up time.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'core takes time as input.' },
        { object: 'Math', property: 'random', message: 'core takes randomness as input.' },
        { object: 'performance', property: 'now', message: 'core takes time as input.' },
      ],
    },
  },
  ...layerRules(),
);
