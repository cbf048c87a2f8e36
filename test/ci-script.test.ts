import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compose-model.ts';

describe('.ci/run', () => {
  it('is an executable bash script that parses', () => {
    const file = path.join(ROOT, '.ci/run');
    accessSync(file, constants.X_OK);
    expect(readFileSync(file, 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n/);
    execFileSync('bash', ['-n', file]);
  });
});
