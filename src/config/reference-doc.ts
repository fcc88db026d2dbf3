/** The config reference table (README), generated from the schema so it cannot drift. */
import { configJsonSchema } from './schema.ts';

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
}

function describeType(n: JsonSchemaNode): string {
  if (n.enum) return n.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (n.anyOf) return n.anyOf.map(describeType).join(' or ');
  if (n.type === 'integer' || n.type === 'number') {
    const range = n.minimum !== undefined && n.maximum !== undefined ? ` ${n.minimum}..${n.maximum}` : '';
    return `${n.type}${range}`;
  }
  return n.type ?? 'any';
}

/**
 * The reference table. The README's (default) lists the fields of the top-level sections and
 * names the nested sections (such as `device.variation`) in one line after the table, so that it
 * stays short; `nested: true` lists every field (docs/config.md, `memxbar config --reference --all`).
 */
export function configReferenceMarkdown(opts: { nested?: boolean } = {}): string {
  const root = configJsonSchema() as JsonSchemaNode;
  const rows: string[] = ['| field | type | default | meaning |', '|---|---|---|---|'];
  const collapsed: string[] = [];
  const walk = (node: JsonSchemaNode, path: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = path ? `${path}.${key}` : key;
      if (child.type === 'object' && child.properties) {
        if (path && !opts.nested) collapsed.push(`\`${p}\``);
        else walk(child, p);
        continue;
      }
      rows.push(`| \`${p}\` | ${describeType(child)} | \`${JSON.stringify(child.default)}\` | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    }
  };
  walk(root, '');
  const more = collapsed.length ? `\nNested sections ([docs/config.md](docs/config.md)): ${collapsed.join(', ')}.\n` : '';
  return rows.join('\n') + '\n' + more;
}
