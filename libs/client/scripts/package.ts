// Builds the installable @natter/client: JavaScript (ESM and CommonJS) and .d.ts types
// into libs/client/pkg, with a package.json of its own, then optionally `npm pack`s it.
//
//   npm run build -w @natter/client          -> libs/client/pkg/
//   npm run pack -w @natter/client           -> libs/client/natter-client-<version>.tgz
//
// Inside this repository the workspace package stays TypeScript source (`exports` -> src),
// which tsx, Vite and tsc read directly; only the published shape is built. @natter/protocol
// (types and pure rules, no zod) is bundled into the JavaScript and its declarations are
// shipped beside the SDK's, so the tarball depends on nothing.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const CLIENT = fileURLToPath(new URL('..', import.meta.url));
const LIBS = join(CLIENT, '..');
const ROOT = join(LIBS, '..');
export const PKG_DIR = join(CLIENT, 'pkg');

interface Manifest {
  name: string;
  version: string;
  description: string;
}

/** The published package.json: what a user's npm, bundler and TypeScript read. */
function publishedManifest(src: Manifest) {
  const types = './dist/types/client/src/index.d.ts';
  return {
    name: src.name,
    version: src.version,
    description: src.description,
    type: 'module',
    // Plain ES2020 and no Node built-ins: browsers, React Native (Metro), Node 20+, Deno, Bun.
    sideEffects: false,
    main: './dist/index.cjs',
    module: './dist/index.js',
    types,
    exports: {
      '.': {
        types,
        import: './dist/index.js',
        require: './dist/index.cjs',
        default: './dist/index.js',
      },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md', 'CHANGELOG.md'],
    keywords: ['natter', 'chat', 'websocket', 'react-native'],
    engines: { node: '>=20.11' },
  };
}

/** Builds pkg/ from source; returns its directory. */
export async function buildPackage(out = PKG_DIR): Promise<string> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'dist'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')) as Manifest;

  // `platform: neutral` resolves no Node built-in: an import of one fails the build, which
  // is what keeps the SDK loadable by browsers and Metro.
  const common = {
    entryPoints: [join(CLIENT, 'src/index.ts')],
    bundle: true,
    platform: 'neutral' as const,
    target: 'es2020',
    sourcemap: true,
    logLevel: 'warning' as const,
    banner: { js: `/* ${manifest.name} ${manifest.version} */` },
  };
  await build({ ...common, format: 'esm', outfile: join(out, 'dist/index.js') });
  await build({ ...common, format: 'cjs', outfile: join(out, 'dist/index.cjs') });

  emitDeclarations(join(out, 'dist/types'));
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
  for (const f of ['README.md', 'CHANGELOG.md']) copyFileSync(join(CLIENT, f), join(out, f));
  return out;
}

/**
 * tsc writes the declarations of the SDK and of @natter/protocol (rootDir libs/), keeping
 * the `.ts` of relative imports and the `@natter/protocol` specifier; both are rewritten so
 * the files resolve inside the tarball.
 */
function emitDeclarations(typesDir: string): void {
  const tsconfig = join(typesDir, '..', 'tsconfig.types.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: LIBS,
        outDir: typesDir,
        types: [],
        lib: ['ES2022', 'DOM'],
      },
      include: [],
      files: [join(CLIENT, 'src/index.ts'), join(LIBS, 'protocol/src/index.ts')],
    }),
  );
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], {
    stdio: 'inherit',
  });
  rmSync(tsconfig);
  const protocolIndex = join(typesDir, 'protocol/src/index.js');
  for (const file of walk(typesDir)) {
    if (!file.endsWith('.d.ts')) continue;
    let rel = relative(dirname(file), protocolIndex);
    if (!rel.startsWith('.')) rel = `./${rel}`;
    const text = readFileSync(file, 'utf8')
      .replace(/(from\s+'\.{1,2}\/[^']*)\.ts'/g, "$1.js'")
      .replace(/from\s+'@natter\/protocol'/g, `from '${rel}'`);
    if (/from\s+'@natter\//.test(text)) throw new Error(`${file}: imports another @natter package`);
    writeFileSync(file, text);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** `npm pack`s a built pkg/ into `dest`; returns the tarball's path. */
export function packPackage(pkg: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
    cwd: pkg,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  if (!info) throw new Error('npm pack printed no tarball');
  return join(dest, info.filename);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pkg = await buildPackage();
  console.log(`built ${relative(process.cwd(), pkg) || '.'}`);
  if (process.argv.includes('--pack')) console.log(`packed ${packPackage(pkg, CLIENT)}`);
}
