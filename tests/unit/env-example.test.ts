import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { environmentSchema } from '../../src/config/schema';

const envExample = readFileSync(path.join(projectRoot, '.env.example'), 'utf8').split('\n');
const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const variables = Object.keys(environmentSchema.shape);

describe('configuration documentation matches the schema', () => {
  it('.env.example lists every variable once, each with a comment line above it', () => {
    expect.hasAssertions();
    for (const name of variables) {
      const lines = envExample.map((line, index) => [line, index] as const).filter(([line]) => line.startsWith(`${name}=`));
      expect(lines, `${name} in .env.example`).toHaveLength(1);
      const [, index] = lines[0] ?? ['', 0];
      // The comment may sit above a group of related variables (e.g. WECHAT_APP_ID and WECHAT_APP_SECRET).
      const above = envExample.slice(0, index).reverse().find((line) => !/^[A-Za-z_]+=/.test(line));
      expect(above, `${name} has a comment above it`).toMatch(/^# \S/);
    }
  });

  it('.env.example names no variable the schema does not know', () => {
    const listed = envExample.filter((line) => /^[A-Za-z_]+=/.test(line)).map((line) => line.split('=')[0]);
    expect(listed.filter((name) => !variables.includes(name ?? ''))).toEqual([]);
  });

  it('the README configuration table mentions every variable', () => {
    expect.hasAssertions();
    for (const name of variables) expect(readme, `${name} in README`).toContain(name);
  });
});
