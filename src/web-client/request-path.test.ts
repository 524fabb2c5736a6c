import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRequestPath } from './request-path.js';

const ROOT = path.resolve('/srv/web');

describe('I7 web client request paths', () => {
  it('I7 resolves a plain or nested path to a file under the root', () => {
    expect(resolveRequestPath({ root: ROOT, relative: 'app.js' })).toEqual({
      kind: 'file',
      root: ROOT,
      file: path.join(ROOT, 'app.js'),
    });
    expect(resolveRequestPath({ root: ROOT, relative: 'api/user%20agent.js' })).toMatchObject({
      file: path.join(ROOT, 'api', 'user agent.js'),
    });
  });

  it('I7 refuses every way of climbing out of the root, plain or percent-encoded', () => {
    for (const relative of [
      '../etc/passwd',
      'a/../../etc/passwd',
      '%2e%2e/etc/passwd',
      '%2E%2E%2Fetc%2Fpasswd',
      '..%2f..%2fetc/passwd',
      '%2fetc/passwd',
      'a//b.js',
      '..\\etc\\passwd',
      'a%5c..%5c..%5cetc',
      'app.js%00.html',
      '.env',
      'a/.git/config',
      '%zz',
    ]) {
      expect(resolveRequestPath({ root: ROOT, relative }).kind, relative).toBe('refused');
    }
  });
});
