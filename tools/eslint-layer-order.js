// ESLint rule: imports point one way. A module under src/ may import only from its own layer or
// from layers listed before it in LAYER_ORDER (docs/ARCHITECTURE.md explains the order).
import path from 'node:path';

export const LAYER_ORDER = [
  'errors',
  'sip',
  'config',
  'clock',
  'observability',
  'state',
  'transport',
  'overload',
  'transaction',
  'discovery',
  'peers',
  'policy',
  'community',
  'routing',
  'proxy',
  'admin',
  'web-client',
  'edge',
  'loadtest',
  'cli',
  'main',
];

function layerOf(file) {
  const rel = path.relative(path.resolve('src'), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const first = rel.split(path.sep)[0].replace(/\.(ts|js)$/, '');
  return LAYER_ORDER.includes(first) ? first : undefined;
}

export const layerOrderRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the one-way import order between src/ layers' },
    messages: {
      upward:
        "layer '{{from}}' must not import from layer '{{to}}' (it comes later in the layer order; move the interface to the layer that uses it)",
    },
    schema: [],
  },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(path.resolve(path.dirname(context.filename), spec));
      if (to && LAYER_ORDER.indexOf(to) > LAYER_ORDER.indexOf(from)) {
        context.report({ node: node.source, messageId: 'upward', data: { from, to } });
      }
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
