import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * Every module specifier reachable from `entry`, following the package's own relative
 * imports. Type-only imports count too: the root is meant to name no outside package at all.
 */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) visit(resolve(dirname(file), fileName));
      else external.add(fileName);
    }
  };
  visit(resolve(src, entry));
  return { files: [...files], external: [...external] };
}

describe('@natter/protocol', () => {
  it('loads nothing outside itself from its root (so not zod: clients and the CLI import it)', () => {
    const { files, external } = importGraph('index.ts');
    expect(files.length).toBeGreaterThan(1);
    expect(files.map((f) => f.slice(src.length + 1))).not.toContain('schemas.ts');
    expect(external).toEqual([]);
  });

  it('keeps the zod schemas under ./schemas', () => {
    expect(importGraph('schemas.ts').external).toEqual(['zod']);
  });

  // Subpaths that load no zod either: the CLI's `natter token --open` signs with open-mode's key.
  const ZOD_FREE = new Set(['@natter/protocol/open-mode']);

  it('keeps ./open-mode free of zod (Node only: node:crypto)', () => {
    expect(importGraph('open-mode.ts').external).toEqual(['node:crypto']);
  });

  it('is imported by the SDK, the web client and the CLI through its root only (and zod-free subpaths)', () => {
    const repo = resolve(src, '../../..');
    const offenders: string[] = [];
    for (const dir of ['libs/client/src', 'web/src', 'cli/src']) {
      for (const name of readdirSync(resolve(repo, dir), { recursive: true, encoding: 'utf8' })) {
        if (!name.endsWith('.ts')) continue;
        const file = resolve(repo, dir, name);
        const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
        for (const { fileName } of importedFiles) {
          if (fileName === 'zod' || (fileName.startsWith('@natter/protocol/') && !ZOD_FREE.has(fileName)))
            offenders.push(`${dir}/${name}: ${fileName}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
