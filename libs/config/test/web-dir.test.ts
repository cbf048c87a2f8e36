import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.ts';

describe('NATTER_WEB_DIR', () => {
  it('is relative to where npm was run (INIT_CWD), else to the working directory', () => {
    expect(loadConfig({ NATTER_WEB_DIR: 'site', INIT_CWD: '/home/me/app' }).webDir).toBe('/home/me/app/site');
    expect(loadConfig({ NATTER_WEB_DIR: '/srv/web', INIT_CWD: '/home/me/app' }).webDir).toBe('/srv/web');
    expect(loadConfig({ NATTER_WEB_DIR: 'site' }).webDir).toBe(`${process.cwd()}/site`);
    expect(loadConfig({}).webDir).toBeUndefined();
  });
});
