/** The config reference table (docs/config.md), generated from the schema so it cannot drift. */
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

export function configReferenceMarkdown(): string {
  const root = configJsonSchema() as JsonSchemaNode;
  const rows: string[] = ['| field | type | default | meaning |', '|---|---|---|---|'];
  const walk = (node: JsonSchemaNode, path: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = path ? `${path}.${key}` : key;
      if (child.type === 'object' && child.properties) {
        walk(child, p);
        continue;
      }
      rows.push(`| \`${p}\` | ${describeType(child)} | \`${JSON.stringify(child.default)}\` | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    }
  };
  walk(root, '');
  return rows.join('\n') + '\n';
}
