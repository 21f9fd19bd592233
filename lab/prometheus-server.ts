// A real Prometheus (Debian's /usr/bin/prometheus) for tests: a temp data directory, a free
// loopback port, a 1 s scrape of the given targets, optional rule files; queried over its HTTP API.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startChild, type Child } from './child.js';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface PrometheusOptions {
  /** host:port targets scraped at /metrics every second, as one job. */
  readonly targets: readonly string[];
  readonly job?: string;
  /** Rule files (absolute paths), evaluated every second. */
  readonly ruleFiles?: readonly string[];
  /** How long to wait for Prometheus to become ready. Default 30 s. */
  readonly startTimeoutMs?: number;
}

const querySchema = z.object({
  status: z.enum(['success', 'error']),
  data: z
    .object({
      resultType: z.string(),
      result: z.array(
        z.object({
          metric: z.record(z.string(), z.string()),
          value: z.tuple([z.number(), z.string()]).optional(),
        }),
      ),
    })
    .optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

/** The answer of /api/v1/query: status, and for an instant vector its samples. */
type QueryAnswer = z.infer<typeof querySchema>;

const targetsSchema = z.object({
  data: z.object({
    activeTargets: z.array(
      z.object({ health: z.string(), scrapeUrl: z.string(), lastError: z.string() }),
    ),
  }),
});

const rulesSchema = z.object({
  data: z.object({
    groups: z.array(
      z.object({
        name: z.string(),
        rules: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            health: z.string(),
            state: z.string().optional(),
            lastError: z.string().optional(),
          }),
        ),
      }),
    ),
  }),
});

/** A rule as /api/v1/rules reports it. */
type RuleState = z.infer<typeof rulesSchema>['data']['groups'][number]['rules'][number];

export interface PrometheusServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /**
   * GET /api/v1/query?query=expr, evaluated now or at `time` (Unix seconds). Resolves with the
   * parsed answer, success or error alike.
   */
  query(expr: string, time?: number): Promise<QueryAnswer>;
  /** Resolves once every target's last scrape succeeded. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** The loaded rules with their health and state (GET /api/v1/rules). */
  rules(): Promise<RuleState[]>;
  /** Prometheus's output so far, for failure messages. */
  logs(): string;
  /** Kills the process (by PID) and removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

function configText(options: PrometheusOptions): string {
  const ruleFiles = (options.ruleFiles ?? []).map((file) => `  - ${JSON.stringify(file)}\n`);
  return [
    'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n',
    ruleFiles.length > 0 ? `rule_files:\n${ruleFiles.join('')}` : '',
    'scrape_configs:\n',
    `  - job_name: ${JSON.stringify(options.job ?? 'elector')}\n`,
    '    static_configs:\n',
    `      - targets: ${JSON.stringify(options.targets)}\n`,
  ].join('');
}

/**
 * Starts Prometheus and resolves once /-/ready answers 200. On failure it stops what it started
 * and rejects with Prometheus's log in the message.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const directory = await mkdtemp(join(tmpdir(), 'elector-prometheus-'));
  const configFile = join(directory, 'prometheus.yml');
  await writeFile(configFile, configText(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: Child = startChild('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(directory, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn',
  ]);

  const getJson = async (path: string): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    return response.json();
  };

  const server: PrometheusServer = {
    url,
    async query(expr, time) {
      const at = time === undefined ? '' : `&time=${time}`;
      return querySchema.parse(
        await getJson(`/api/v1/query?query=${encodeURIComponent(expr)}${at}`),
      );
    },
    async waitForTargetsUp(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const { data } = targetsSchema.parse(await getJson('/api/v1/targets'));
          return (
            data.activeTargets.length === options.targets.length &&
            data.activeTargets.every((target) => target.health === 'up')
          );
        },
        { timeoutMs, what: `Prometheus to scrape ${options.targets.join(', ')} successfully` },
      );
    },
    async rules() {
      return rulesSchema
        .parse(await getJson('/api/v1/rules'))
        .data.groups.flatMap((group) => group.rules);
    },
    logs: () => child.output(),
    async stop() {
      await child.kill('SIGKILL');
      await rm(directory, { recursive: true, force: true });
    },
  };

  try {
    // A Prometheus that exits (bad config, port taken) fails the start at once.
    const exited = child.exited.then((code) => {
      throw new Error(`prometheus exited (${String(code)}) before it was ready`);
    });
    await Promise.race([
      exited,
      waitFor(
        async () => {
          const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
          return response.status === 200;
        },
        { timeoutMs: options.startTimeoutMs ?? 30_000, what: `Prometheus ready on ${url}` },
      ),
    ]);
  } catch (error) {
    const log = child.output();
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- prometheus log\n${log}`, { cause: error });
  }
  return server;
}
