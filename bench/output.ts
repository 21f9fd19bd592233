import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export const machine = `${availableParallelism()} cores`;
export const today = new Date().toISOString().slice(0, 10);

/**
 * Collects scenario lines in the format of shared/BENCH.md: each printed as one JSON line as
 * soon as it is measured, and all of them written to bench/results/<file>.json at the end.
 */
export class BenchOutput {
  private readonly scenarios: Record<string, unknown>[] = [];

  /**
   * `name` is the scenarios' `bench` field; `file` names the results file (default `name`), so a
   * bench run once per backend keeps one file per backend.
   */
  constructor(
    private readonly name: string,
    private readonly file: string = name,
  ) {}

  add(scenario: Record<string, unknown>): void {
    const line = { bench: this.name, ...scenario, machine, date: today };
    this.scenarios.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }

  write(): void {
    const directory = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${directory}${this.file}.json`, `${JSON.stringify(this.scenarios, null, 2)}\n`);
  }
}
