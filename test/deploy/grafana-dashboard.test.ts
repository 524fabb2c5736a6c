// O8: the Grafana dashboard as Grafana imports it. No Grafana runs here (Debian does not package it),
// so what an import would trip on is checked directly: panel ids, the 24-column grid, the data source
// chosen at import through the `datasource` variable, and one query id per query of a panel.
// Which metrics the queries name is exported-metrics.test.ts's part.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kitFiles } from './deploy-kit.js';

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: ReadonlyArray<{ readonly refId: string; readonly expr: string }>;
}

const board = JSON.parse(readFileSync(kitFiles.dashboard, 'utf8')) as {
  readonly uid: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly type: string }> };
};
const graphs = board.panels.filter((panel) => panel.type !== 'row');

describe('O8 Grafana dashboard', () => {
  it('O8 has a fixed uid, unique panel ids and titles, and panels that fit the 24-column grid without overlapping', () => {
    expect(board.uid).toBe('simple-edge');
    const ids = board.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = graphs.map((panel) => panel.title);
    expect(new Set(titles).size).toBe(titles.length);
    const taken = new Set<string>();
    const overlaps: string[] = [];
    for (const { title, gridPos } of board.panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          if (taken.has(`${x},${y}`)) overlaps.push(title);
          taken.add(`${x},${y}`);
        }
    }
    expect([...new Set(overlaps)]).toEqual([]);
  });

  it('O8 queries the Prometheus data source picked at import, one refId per query', () => {
    expect(board.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe('datasource');
    const problems = graphs.flatMap((panel) => {
      const found: string[] = [];
      if (panel.datasource?.uid !== '${datasource}') found.push(`${panel.title}: data source`);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      if (refIds.length === 0) found.push(`${panel.title}: no query`);
      if (new Set(refIds).size !== refIds.length) found.push(`${panel.title}: refIds repeat`);
      return found;
    });
    expect(problems).toEqual([]);
  });
});
