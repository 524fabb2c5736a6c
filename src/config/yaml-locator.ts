// Maps a key path back to its line in the YAML source, so a problem reads `config.yaml:12: …`.
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

export class YamlLocator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * The line of the key at `path` (of the item, inside a list), or, for a key the file lacks, of its
   * nearest ancestor that it has; undefined when not even the first step is in the file.
   */
  lineOf(path: readonly (string | number)[]): number | undefined {
    let node: unknown = this.document.contents;
    let line: number | undefined;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
        if (pair === undefined || !isScalar(pair.key)) break;
        line = this.lineAt(pair.key.range?.[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        const item: unknown = node.items[step];
        if (item === undefined || item === null || typeof item !== 'object' || !('range' in item)) break;
        line = this.lineAt((item as { range?: [number, number, number] }).range?.[0]);
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  private lineAt(offset: number | undefined): number | undefined {
    return offset === undefined ? undefined : this.lineCounter.linePos(offset).line;
  }
}
