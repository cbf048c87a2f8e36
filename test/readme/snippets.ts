import { readFileSync } from 'node:fs';

const README = new URL('../../README.md', import.meta.url).pathname;

/** The first ```sh block under the README heading `heading`, as the README has it. */
export function readmeShellBlock(heading: string): string {
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(`\n## ${heading}\n`);
  if (at < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const m = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (!m) throw new Error(`README.md's "${heading}" section has no sh block`);
  return m[1]!;
}
