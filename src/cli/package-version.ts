// `simple-edge --version`: the version in package.json, found by walking up from this file, because
// it sits at a different depth from source (src/cli/) and from the build (dist/src/cli/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function packageVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'simple-edge' && manifest.version !== undefined) return manifest.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
