import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '@natter/config';
import { describe, expect, it } from 'vitest';
import { configSource, configSourceVariables, directEnvReads, docRows } from './config-scan.ts';

// docs/configuration.md is the one place an operator reads; these checks make a variable
// added, renamed or given a new default in the code fail here until the page says so too.

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs/configuration.md');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Every `src/` folder of every lib and service: where a process may read the environment. */
function allSourceFiles(): string[] {
  const files: string[] = [];
  for (const group of ['libs', 'services']) {
    for (const pkg of readdirSync(path.join(ROOT, group))) {
      const src = path.join(ROOT, group, pkg, 'src');
      try {
        if (statSync(src).isDirectory()) files.push(...sourceFiles(src));
      } catch {
        // A package without src/ yet reads nothing.
      }
    }
  }
  return files;
}

const doc = readFileSync(DOC, 'utf8');
const rows = docRows(doc);
const configVars = configSourceVariables(configSource());
const directVars = new Map<string, string[]>();
for (const file of allSourceFiles()) {
  for (const name of directEnvReads(readFileSync(file, 'utf8'))) {
    directVars.set(name, [...(directVars.get(name) ?? []), path.relative(ROOT, file)]);
  }
}

describe('the scanners', () => {
  it('find every kind of read in libs/config', () => {
    const sample = `
      const a = str(env, 'A_STR');
      const b = int(env, 'B_INT', 1, 2);
      const c = optionalPort(env, 'C_PORT');
      const d = url(env, "D_URL", ['nats']);
      export const DEFAULTS = {
        E_DEFAULT: '1',
        F_DEFAULT: 'x',
      } as const;
    `;
    expect([...configSourceVariables(sample)].sort()).toEqual([
      'A_STR',
      'B_INT',
      'C_PORT',
      'D_URL',
      'E_DEFAULT',
      'F_DEFAULT',
    ]);
  });

  it('find direct process.env reads in both spellings', () => {
    const sample = "x = process.env.FOO_BAR ?? process.env['BAZ']; y = process.env;";
    expect([...directEnvReads(sample)].sort()).toEqual(['BAZ', 'FOO_BAR']);
  });

  it('read the rows of every variable table and ignore other tables', () => {
    const sample = [
      '| variable | meaning | default |',
      '| --- | --- | --- |',
      '| `A` | the a | `1` |',
      '| `B` | the b | unset |',
      '',
      '| shell variable | used for | default |',
      '| --- | --- | --- |',
      '| `C` | not a process variable | `x` |',
    ].join('\n');
    expect(docRows(sample)).toEqual([
      { name: 'A', meaning: 'the a', defaultCell: '`1`' },
      { name: 'B', meaning: 'the b', defaultCell: 'unset' },
    ]);
  });
});

describe('docs/configuration.md', () => {
  const documented = new Map(rows.map((r) => [r.name, r]));

  it('has found the variables (the scanners still match the code)', () => {
    expect(configVars.size).toBeGreaterThanOrEqual(20);
    for (const name of ['PORT', 'NATS_URL', 'DATABASE_URL', 'NATTER_JWT_SECRET', 'NATTER_MAX_TEXT_CHARS']) {
      expect(configVars).toContain(name);
    }
    for (const name of Object.keys(DEFAULTS)) expect(configVars).toContain(name);
  });

  it('documents each variable once', () => {
    const names = rows.map((r) => r.name);
    const twice = names.filter((name, i) => names.indexOf(name) !== i);
    expect(twice).toEqual([]);
  });

  it('documents every variable libs/config reads', () => {
    const missing = [...configVars].filter((name) => !documented.has(name));
    expect(missing, 'add a row to docs/configuration.md').toEqual([]);
  });

  it('documents every variable a lib or service reads from process.env directly', () => {
    const missing = [...directVars.keys()].filter((name) => !documented.has(name));
    expect(
      missing.map((name) => `${name} (${directVars.get(name)!.join(', ')})`),
      'add a row to docs/configuration.md',
    ).toEqual([]);
  });

  it('documents no variable the code does not read', () => {
    const stale = rows.map((r) => r.name).filter((name) => !configVars.has(name) && !directVars.has(name));
    expect(stale, 'remove the row, or the code lost a read').toEqual([]);
  });

  it('gives every default of DEFAULTS exactly', () => {
    const wrong = Object.entries(DEFAULTS)
      .filter(([name, value]) => documented.get(name)?.defaultCell !== `\`${value}\``)
      .map(
        ([name, value]) => `${name}: docs say ${documented.get(name)?.defaultCell}, code says \`${value}\``,
      );
    expect(wrong).toEqual([]);
  });

  it('claims no literal default for a libs/config variable that has none in DEFAULTS', () => {
    const invented = [...configVars]
      .filter((name) => !(name in DEFAULTS))
      .filter((name) => /^`[^`]*`$/.test(documented.get(name)?.defaultCell ?? ''))
      .map((name) => `${name}: ${documented.get(name)?.defaultCell}`);
    expect(invented).toEqual([]);
  });

  it("gives each service's own HTTP_PORT default", () => {
    const cell = documented.get('HTTP_PORT')?.defaultCell ?? '';
    const servicesDir = path.join(ROOT, 'services');
    const checked: string[] = [];
    for (const svc of readdirSync(servicesDir)) {
      let main: string;
      try {
        main = readFileSync(path.join(servicesDir, svc, 'src/main.ts'), 'utf8');
      } catch {
        continue;
      }
      // `config.httpPort ?? PORT` in a main of its own, `defaultPort: PORT` through runPgService.
      const m = /(?:httpPort \?\? |defaultPort: )(\w+)/.exec(main);
      if (!m) continue;
      const port = /^\d+$/.test(m[1]) ? m[1] : new RegExp(`const ${m[1]} = (\\d+)`).exec(main)?.[1];
      expect(port, `${svc}: the default port constant ${m[1]}`).toBeDefined();
      expect(cell, `HTTP_PORT row names ${svc}'s default`).toMatch(new RegExp(`${svc} \`${port}\``));
      checked.push(svc);
    }
    expect(checked.length).toBeGreaterThan(0);
  });
});
