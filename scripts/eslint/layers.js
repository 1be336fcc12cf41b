// ESLint rule `layers/imports`: the layer rules of the design, checked on every import.
// Each file belongs to the first zone whose folder contains it; an import is allowed when it resolves
// into one of the zone's allowed zones, or names an allowed package (`import type` may use `types`).
import path from 'node:path';
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

function packageName(source) {
  if (source.startsWith('node:') || BUILTINS.has(source.split('/')[0])) return 'node:*';
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function matches(name, patterns) {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** @type {import('eslint').Rule.RuleModule} */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point inward, following the layer table of the design.' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, zones: { type: 'array' } },
        required: ['zones'],
        additionalProperties: false,
      },
    ],
    messages: {
      zone: "'{{from}}' may not import from '{{to}}' ({{source}}). Allowed: {{allowed}}.",
      pkg: "'{{from}}' may not import the package '{{pkg}}'.",
      outside: "'{{from}}' may not import '{{source}}': it is outside every layer.",
    },
  },
  create(context) {
    const { zones, root = context.cwd } = context.options[0];
    const rel = (abs) => path.relative(root, abs).split(path.sep).join('/');
    const zoneOf = (file) => zones.find((z) => file === z.folder || file.startsWith(z.folder + '/'));
    const self = rel(context.filename);
    const zone = zoneOf(self);
    if (!zone) return {};

    function check(node, source, typeOnly) {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = rel(path.resolve(path.dirname(context.filename), source));
        const to = zoneOf(target);
        if (!to) {
          context.report({ node, messageId: 'outside', data: { from: zone.name, source } });
        } else if (to !== zone && !zone.allow.includes(to.name)) {
          context.report({
            node,
            messageId: 'zone',
            data: { from: zone.name, to: to.name, source, allowed: zone.allow.join(', ') || 'nothing' },
          });
        }
        return;
      }
      const pkg = packageName(source);
      const allowed = [...(zone.packages ?? []), ...(typeOnly ? (zone.types ?? []) : [])];
      if (!matches(pkg, allowed)) context.report({ node, messageId: 'pkg', data: { from: zone.name, pkg } });
    }

    return {
      ImportDeclaration: (n) => check(n, n.source.value, n.importKind === 'type'),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value, n.exportKind === 'type'),
      ExportAllDeclaration: (n) => check(n, n.source.value, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value, false),
      CallExpression: (n) => {
        if (
          n.callee.type === 'Identifier' &&
          n.callee.name === 'require' &&
          n.arguments[0]?.type === 'Literal'
        ) {
          check(n, n.arguments[0].value, false);
        }
      },
    };
  },
};

export default { meta: { name: 'layers' }, rules: { imports: importsRule } };
