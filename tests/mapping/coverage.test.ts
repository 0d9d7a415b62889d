// The fixtures exercise every field the input schema defines, so the golden and "no unmapped field" tests cover all.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import { fixtureNames, loadFixture } from './fixtures';

type Node = {
  $ref?: string;
  properties?: Record<string, Node>;
  items?: Node;
  definitions?: Record<string, Node>;
};
const schema = JSON.parse(
  fs.readFileSync(path.join(projectRoot, 'mappings', 'ephr-record.schema.json'), 'utf8'),
) as Node;

function schemaLeaves(node: Node, prefix: string, out: string[]): string[] {
  let n: Node | undefined = node;
  while (n?.$ref) n = schema.definitions?.[n.$ref.replace('#/definitions/', '')];
  if (!n) return out;
  if (n.properties) {
    for (const [k, v] of Object.entries(n.properties)) schemaLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (n.items) schemaLeaves(n.items, `${prefix}[]`, out);
  else out.push(prefix);
  return out;
}

function recordLeaves(v: unknown, prefix: string, out: Set<string>): Set<string> {
  if (Array.isArray(v)) v.forEach((e) => recordLeaves(e, `${prefix}[]`, out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, e] of Object.entries(v)) recordLeaves(e, prefix ? `${prefix}.${k}` : k, out);
  } else out.add(prefix);
  return out;
}

it('fixtures cover every field of the e-PHR schema', () => {
  const seen = new Set<string>();
  for (const name of fixtureNames()) recordLeaves(loadFixture(name), '', seen);
  expect(schemaLeaves(schema, '', []).filter((p) => !seen.has(p))).toEqual([]);
});
