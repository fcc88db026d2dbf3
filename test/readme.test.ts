/** The README's config reference is generated from the schema: it must not drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../src/config/reference-doc.ts';

describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  it('holds the current config reference table', () => {
    expect(readme).toContain(configReferenceMarkdown());
  });
  it('has exactly two set-up commands: the main job and the tests', () => {
    const setup = readme.split('## Set up')[1]!.split('```sh')[1]!.split('```')[0]!.trim().split('\n');
    expect(setup).toHaveLength(2);
    expect(setup[0]).toMatch(/npx memxbar/);
    expect(setup[1]).toMatch(/npm test/);
  });
});
