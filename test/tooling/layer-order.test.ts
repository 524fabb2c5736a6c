// The import-direction rule that keeps the layers of docs/ARCHITECTURE.md honest.
import path from 'node:path';
import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import { layerOrderRule } from '../../tools/eslint-layer-order.js';

RuleTester.describe = describe;
RuleTester.it = it;

const src = (file: string) => path.resolve('src', file);

new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } }).run(
  'layer-order',
  layerOrderRule as never,
  {
    valid: [
      { filename: src('proxy/forward-request.ts'), code: "import { parseVia } from '../sip/via.js';" },
      { filename: src('transaction/transaction-layer.ts'), code: "import { Flow } from '../transport/flow.js';" },
      { filename: src('sip/via.ts'), code: "import { EdgeError } from '../errors.js';" },
      { filename: src('cli/start.ts'), code: "import { createEdge } from '../edge.js';" },
    ],
    invalid: [
      {
        filename: src('sip/via.ts'),
        code: "import { Flow } from '../transport/flow.js';",
        errors: [{ messageId: 'upward' }],
      },
      {
        filename: src('transport/flow.ts'),
        code: "export { x } from '../proxy/proxy-core.js';",
        errors: [{ messageId: 'upward' }],
      },
      { filename: src('policy/rule.ts'), code: "import '../routing/router.js';", errors: [{ messageId: 'upward' }] },
    ],
  },
);
