// What a PromQL expression names: its metrics, the labels it matches on each, and the labels it groups
// by. Enough of PromQL for the expressions of a dashboard and of alerting rules; a function or keyword
// it does not know is an error, so a typo cannot pass as a metric name.

/** Functions and aggregations the deploy kit may use (PromQL's own names). */
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'avg',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp_max',
  'clamp_min',
  'count',
  'delta',
  'deriv',
  'floor',
  'histogram_quantile',
  'increase',
  'irate',
  'label_replace',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'quantile',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort_desc',
  'sum',
  'time',
  'topk',
  'bottomk',
  'vector',
]);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'group_left', 'group_right']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

export interface PromqlNames {
  /** Metric names, as written (a histogram's _bucket/_sum/_count suffix included). */
  readonly metrics: ReadonlySet<string>;
  /** Label names matched in each metric's selector. */
  readonly matchedLabels: ReadonlyMap<string, ReadonlySet<string>>;
  /** Label names in by/without/on/ignoring/group_left/group_right clauses. */
  readonly groupingLabels: ReadonlySet<string>;
}

function labelList(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export function promqlNames(expression: string): PromqlNames {
  // String literals first: label values and regexps may hold any character, braces included.
  let text = expression.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const matchedLabels = new Map<string, Set<string>>();
  text = text.replace(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g, (_, metric: string, matchers: string) => {
    const labels = matchedLabels.get(metric) ?? new Set<string>();
    for (const m of matchers.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(m[1]!);
    matchedLabels.set(metric, labels);
    return ` ${metric} `;
  });
  const groupingLabels = new Set<string>();
  text = text.replace(GROUPING, (_, _keyword: string, labels: string) => {
    for (const label of labelList(labels)) groupingLabels.add(label);
    return ' ';
  });
  // Range and subquery durations, then Grafana's variables ($__rate_interval, ${instance}).
  text = text.replace(/\[[^\]]*\]/g, ' ').replace(/\$\{?\w+\}?/g, ' ');
  const metrics = new Set<string>();
  for (const token of text.matchAll(/(\d[\w.]*)|([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, number, name, call] = token;
    if (number !== undefined || name === undefined) continue;
    // A binary operator may precede a parenthesis: `a or (b == 1)`.
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (call !== undefined) {
      if (!FUNCTIONS.has(name)) throw new Error(`unknown PromQL function ${name}( in: ${expression}`);
      continue;
    }
    metrics.add(name);
  }
  return { metrics, matchedLabels, groupingLabels };
}

/** A Grafana query variable's `label_values(selector, label)`: the selector's names plus the label. */
export function labelValuesNames(query: string): PromqlNames & { readonly label: string } {
  const call = /^\s*label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)\s*$/.exec(query);
  if (call === null) throw new Error(`not a label_values() query: ${query}`);
  return { ...promqlNames(call[1]!), label: call[2]! };
}
