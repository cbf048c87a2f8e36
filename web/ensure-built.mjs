// Builds the web client (web/dist) when it is missing or older than its sources, so that
// `npm start` on a fresh clone serves it. Run by the root `prestart` script; a no-op
// (a few stat calls) when dist is up to date.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const INDEX = join(WEB, 'dist', 'index.html');
const SOURCES = [
  'src',
  'public',
  'index.html',
  'vite.config.ts',
  '../libs/client/src',
  '../libs/protocol/src',
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

const builtAt = existsSync(INDEX) ? statSync(INDEX).mtimeMs : 0;
const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(join(WEB, s))));
if (builtAt > 0 && builtAt >= sourcesAt) process.exit(0);

console.log(
  builtAt === 0
    ? 'web client not built yet: building web/dist'
    : 'web client sources changed: rebuilding web/dist',
);
const vite = join(WEB, '..', 'node_modules', 'vite', 'bin', 'vite.js');
const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('building the web client failed; the server starts without it (see the output above)');
}
