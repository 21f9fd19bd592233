// Which series the shipped dashboard and alert rules select, and which of them a /metrics page
// lacks: used on a fresh member's first scrape (test/unit/http/first-scrape.test.ts) and on live
// sidecars under a real Prometheus (prometheus.test.ts).
import { readFileSync } from 'node:fs';
import { assertNever } from '../../../src/core/errors.js';
import { panelQueries, readDashboard, rulesFile } from './dashboard.js';

/** One label matcher of a series selector, as written: `reason=~"malformed|oversize"`. */
export interface LabelMatcher {
  readonly label: string;
  readonly operator: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** One `elector_*{...}` series selector of an expression. */
export interface SeriesSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

const operators = new Set(['=', '!=', '=~', '!~']);

/** Every elector_* series selector in `expr` (PromQL, with Grafana's variables replaced). */
function seriesSelectors(expr: string): SeriesSelector[] {
  return [...expr.matchAll(/\b(elector_[a-z_]+)(?:\{([^}]*)\})?/g)].map(
    ([, metric = '', body = '']) => ({
      metric,
      matchers: [...body.matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(
        ([, label = '', operator = '', value = '']) => {
          if (!operators.has(operator)) throw new Error(`unknown matcher ${operator} in ${expr}`);
          return { label, operator: operator as LabelMatcher['operator'], value };
        },
      ),
    }),
  );
}

/** One scraped sample: its family (or histogram part) and labels. */
export interface Sample {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Whether `sample` satisfies `matcher`, a missing label reading as the empty string. */
export function matches(sample: Sample, matcher: LabelMatcher): boolean {
  const value = sample.labels[matcher.label] ?? '';
  const pattern = new RegExp(`^(?:${matcher.value})$`);
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return pattern.test(value);
    case '!~':
      return !pattern.test(value);
    default:
      return assertNever(matcher.operator);
  }
}

/**
 * The label values a selector requires one by one: for `reason=~"malformed|oversize"`, a series
 * with each reason. Any other selector requires one matching series.
 */
export function requiredVariants(selector: SeriesSelector): SeriesSelector[] {
  const listed = selector.matchers.find(
    (matcher) => matcher.operator === '=~' && /^[\w-]+(\|[\w-]+)+$/.test(matcher.value),
  );
  if (listed === undefined) return [selector];
  return listed.value.split('|').map((value) => ({
    metric: selector.metric,
    matchers: selector.matchers.map((matcher) =>
      matcher === listed ? { ...matcher, operator: '=', value } : matcher,
    ),
  }));
}

function describeSelector(selector: SeriesSelector): string {
  const body = selector.matchers
    .map((matcher) => `${matcher.label}${matcher.operator}"${matcher.value}"`)
    .join(', ');
  return `${selector.metric}{${body}}`;
}

/** Every series selector of the shipped dashboard (variables as "All") and alert rules. */
export async function shippedSelectors(): Promise<{ source: string; selector: SeriesSelector }[]> {
  const dashboard = await readDashboard();
  const fromDashboard = panelQueries(dashboard).flatMap((query) =>
    seriesSelectors(query.promql).map((selector) => ({ source: `panel ${query.panel}`, selector })),
  );
  const rules = readFileSync(rulesFile, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const fromRules = seriesSelectors(rules).map((selector) => ({ source: 'rules', selector }));
  return [...fromDashboard, ...fromRules];
}

/** The elector_* samples of a /metrics page, with their labels. */
export function parseSamples(text: string): Sample[] {
  return [...text.matchAll(/^(elector_[a-z_]+)(?:\{(.*)\})? \S+$/gm)].map(
    ([, metric = '', body = '']) => ({
      metric,
      labels: Object.fromEntries(
        [...body.matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map(([, name = '', value = '']) => [
          name,
          value,
        ]),
      ),
    }),
  );
}

/**
 * The selectors (one line each, with where they come from) that no sample satisfies, among
 * those `applies` keeps: a listed alternative like `reason=~"a|b"` needs a series of each.
 */
export function missingSeries(
  selectors: readonly { readonly source: string; readonly selector: SeriesSelector }[],
  samples: readonly Sample[],
  applies: (selector: SeriesSelector) => boolean = () => true,
): string[] {
  const missing = selectors
    .filter(({ selector }) => applies(selector))
    .flatMap(({ source, selector }) =>
      requiredVariants(selector)
        .filter(
          (variant) =>
            !samples.some(
              (sample) =>
                sample.metric === variant.metric &&
                variant.matchers.every((matcher) => matches(sample, matcher)),
            ),
        )
        .map((variant) => `${source}: ${describeSelector(variant)}`),
    );
  return [...new Set(missing)];
}
