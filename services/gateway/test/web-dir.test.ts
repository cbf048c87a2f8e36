import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseWebDir, REPO_WEB_DIST } from '../src/web-dir.ts';

const root = mkdtempSync(path.join(tmpdir(), 'natter-webdir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('chooseWebDir', () => {
  it('resolves NATTER_WEB_DIR against the directory the command ran in, not the package folder', () => {
    mkdirSync(path.join(root, 'site'), { recursive: true });
    writeFileSync(path.join(root, 'site/index.html'), '<!doctype html>');
    expect(chooseWebDir('site', root)).toEqual({ dir: path.join(root, 'site'), note: 'NATTER_WEB_DIR=site' });
    expect(chooseWebDir('./site/', root).dir).toBe(path.join(root, 'site'));
  });

  it('serves nothing from a folder without index.html, and says how to build one', () => {
    const r = chooseWebDir('nothing-here', root);
    expect(r.dir).toBeUndefined();
    expect(r.note).toContain(path.join(root, 'nothing-here'));
    expect(r.note).toMatch(/npm run build:web/);
  });

  it("defaults to this repository's web/dist", () => {
    const r = chooseWebDir(undefined, root);
    expect(r.dir === REPO_WEB_DIST || r.dir === undefined).toBe(true);
    if (!r.dir) expect(r.note).toMatch(/npm run build:web/);
  });
});
