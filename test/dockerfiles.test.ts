import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATTER, NATTER_NAMES, ROOT, read, SERVICE_DOCKERFILE } from './compose-model.ts';

// The Dockerfiles cannot be built here (no Docker daemon): this checks their text.

describe('Dockerfiles', () => {
  const images = ['gateway', 'natter'];

  function checkImage(file: string, text: string): void {
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length, `${file}: multi-stage`).toBeGreaterThan(1);
    for (const from of froms) expect(from, file).toBe('node:20-bookworm-slim');
    expect(text, file).toMatch(/^RUN npm ci --omit=dev/m);
    expect(text, file).toContain('cp package-lock.json');
    expect(text, file).toMatch(/^USER node$/m);
    expect(text, file).toMatch(/^HEALTHCHECK .*\n?.*deploy\/healthcheck\.mjs/m);
    expect(text, file).toContain('/src/libs/ ./libs/');
    expect(text, file).toContain('/src/deploy/healthcheck.mjs');
  }

  it('deploy/service.Dockerfile builds a non-root, health-checked image of the service it is given', () => {
    const text = read(SERVICE_DOCKERFILE);
    checkImage(SERVICE_DOCKERFILE, text);
    expect(text).toMatch(/^ARG SERVICE$/m);
    expect(text).toContain(`ENV NODE_ENV=production NATTER_SERVICE=\${SERVICE}`);
    expect(text).toContain(`COPY --from=manifests /src/services/\${SERVICE}/ ./services/\${SERVICE}/`);
    // node as PID 1 (exec), so SIGTERM reaches it and it drains.
    expect(text).toMatch(/^CMD exec node --import tsx "services\/\$\{NATTER_SERVICE\}\/src\/main\.ts"$/m);
    for (const pkg of new Set(NATTER_NAMES.map((n) => NATTER[n].pkg))) {
      if (pkg !== 'gateway')
        expect(existsSync(path.join(ROOT, 'services', pkg, 'src/main.ts')), pkg).toBe(true);
    }
  });

  it.each(images)('services/%s/Dockerfile builds a non-root, health-checked image of its service', (pkg) => {
    const file = `services/${pkg}/Dockerfile`;
    const text = read(file);
    checkImage(file, text);
    const cmd = /^CMD (\[.*\])$/m.exec(text);
    expect(cmd, `${file}: CMD in exec form`).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', '--import', 'tsx', `services/${pkg}/src/main.ts`]);
    expect(text, file).toContain(pkg === 'natter' ? '/src/services/ ./services/' : `/src/services/${pkg}/ `);
  });

  it('tsx is a production dependency of the root (the images run TypeScript with it)', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
    expect(pkg.dependencies).toHaveProperty('tsx');
  });

  it('.dockerignore keeps local state out of the build context', () => {
    const lines = read('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', '**/node_modules', 'data', 'bench/results']) {
      expect(lines, entry).toContain(entry);
    }
    for (const needed of [
      'package.json',
      'package-lock.json',
      'libs',
      'services',
      'deploy',
      'tsconfig.json',
    ]) {
      expect(lines, `${needed} must reach the image`).not.toContain(needed);
    }
  });
});
