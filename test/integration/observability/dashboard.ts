// The shipped observability files, and the queries of the Grafana dashboard in a form Prometheus
// can run: Grafana's variables replaced by what Grafana would send for "All".
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { chartDirectory } from '../../../lab/helm.js';

export const rulesFile = join(chartDirectory, 'files', 'elector.rules.yaml');
const dashboardFile = join(chartDirectory, 'files', 'elector-dashboard.json');

const targetSchema = z.object({ refId: z.string(), expr: z.string(), legendFormat: z.string() });
interface PanelJson {
  readonly title: string;
  readonly type: string;
  readonly targets?: z.infer<typeof targetSchema>[] | undefined;
  readonly panels?: PanelJson[] | undefined;
}
const panelSchema: z.ZodType<PanelJson> = z.lazy(() =>
  z.object({
    title: z.string(),
    type: z.string(),
    targets: z.array(targetSchema).optional(),
    panels: z.array(panelSchema).optional(),
  }),
);
const dashboardSchema = z.object({
  uid: z.string(),
  title: z.string(),
  templating: z.object({
    list: z.array(
      z.object({
        name: z.string(),
        type: z.string(),
        definition: z.string().optional(),
      }),
    ),
  }),
  panels: z.array(panelSchema),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

/** One query of one panel, with the PromQL Prometheus would receive. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly promql: string;
}

export async function readDashboard(): Promise<Dashboard> {
  return dashboardSchema.parse(JSON.parse(await readFile(dashboardFile, 'utf8')));
}

/**
 * Grafana's variables as Grafana fills them in for "All": $election is .+; $cluster and
 * $namespace are .*, which also matches a series without the label (a single Prometheus has no
 * cluster label, a static scrape config no namespace); intervals are 1m.
 */
function toPromql(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$election', '.+')
    .replaceAll('$cluster', '.*')
    .replaceAll('$namespace', '.*');
}

/** Every query of every panel (rows' nested panels included). */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const visit = (panels: readonly PanelJson[]): PanelQuery[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).map((target) => ({
        panel: panel.title,
        refId: target.refId,
        expr: target.expr,
        promql: toPromql(target.expr),
      })),
      ...visit(panel.panels ?? []),
    ]);
  return visit(dashboard.panels);
}

/** The elector_* metric names an expression refers to. */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\belector_[a-z_]+\b/g)].map((match) => match[0]))];
}
