// Lint rules, including the one-way layer rule from STYLE.md: a layer imports only from itself
// and from the layers to its left (core -> runtime/raft/kubernetes/config -> backends -> sidecar -> http -> cli).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layerImportBans = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

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
  {
    files: [
      'src/raft/**/*.ts',
      'src/kubernetes/**/*.ts',
      'src/config/**/*.ts',
      'src/runtime/**/*.ts',
    ],
    rules: layerImportBans([
      {
        group: ['**/backends/**', '**/sidecar*', '**/http/**', '**/cli', '**/cli.js', '**/cli/**'],
        message: 'This layer may import only core and its own folder.',
      },
    ]),
  },
  {
    files: ['src/backends/**/*.ts'],
    rules: layerImportBans([
      {
        group: ['**/sidecar*', '**/http/**', '**/cli', '**/cli.js', '**/cli/**', 'prom-client'],
        message: 'Backends never import sidecar, http, cli or prom-client.',
      },
    ]),
  },
  {
    files: ['src/sidecar*.ts', 'src/sidecar/**/*.ts'],
    rules: layerImportBans([
      {
        group: ['**/http/**', '**/cli', '**/cli.js', '**/cli/**'],
        message: 'The sidecar does not import http or cli.',
      },
    ]),
  },
);
