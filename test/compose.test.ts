import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULTS, loadConfig, requireAuthChoice, requireUrls } from '@natter/config';
import { describe, expect, it } from 'vitest';
import { renderNginxSite } from '../deploy/nginx/render.ts';
import { configSource, configSourceVariables, directEnvReads } from './config-scan.ts';
import { parseYaml, YamlSubsetError, type YamlValue } from './mini-yaml.ts';

// compose.yaml, the Dockerfiles and deploy/nginx cannot be run here (no Docker daemon), so
// this checks what can be checked without one: the topology is complete, every container
// has a health check and a restart policy, each Natter container gets exactly the
// variables the code reads and the ones its main.ts requires, with values loadConfig
// accepts, and the nginx config is valid (`nginx -t`, where nginx is installed).

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

type Obj = { [key: string]: YamlValue };
const isObj = (v: YamlValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
function obj(v: YamlValue | undefined, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
}
function list(v: YamlValue | undefined, what: string): YamlValue[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
}

/** Which service package each Natter container runs, and what its main.ts requires. */
const NATTER = {
  history: { pkg: 'history', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  rooms: { pkg: 'rooms', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  presence: { pkg: 'presence', needs: ['NATS_URL', 'REDIS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  hooks: { pkg: 'hooks', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  push: { pkg: 'push', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  'gateway-1': { pkg: 'gateway', needs: ['NATS_URL'], portVar: 'PORT' },
  'gateway-2': { pkg: 'gateway', needs: ['NATS_URL'], portVar: 'PORT' },
} as const;
type NatterName = keyof typeof NATTER;
const NATTER_NAMES = Object.keys(NATTER) as NatterName[];
const INFRA = ['nats', 'redis', 'postgres', 'nginx'];
/** The one Dockerfile of the backend services (history, rooms, presence, hooks, push). */
const SERVICE_DOCKERFILE = 'deploy/service.Dockerfile';
/** Variables of the official images that compose.yaml may set (documented by each image). */
const IMAGE_VARS: Record<string, string[]> = {
  postgres: ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'],
};

/** Every variable some lib or service reads: libs/config's, plus direct process.env reads. */
function variablesTheCodeReads(): Set<string> {
  const names = configSourceVariables(configSource());
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) for (const v of directEnvReads(readFileSync(full, 'utf8'))) names.add(v);
    }
  };
  for (const group of ['libs', 'services']) {
    for (const pkg of readdirSync(path.join(ROOT, group))) {
      const src = path.join(ROOT, group, pkg, 'src');
      if (existsSync(src)) walk(src);
    }
  }
  return names;
}

const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`. */
function interpolate(value: string, shell: Record<string, string | undefined>): string {
  return value.replace(INTERPOLATION, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    const v = shell[name];
    if (op === ':-') return v === undefined || v === '' ? (arg ?? '') : v;
    if (op === '-') return v === undefined ? (arg ?? '') : v;
    if ((op === ':?' && (v === undefined || v === '')) || (op === '?' && v === undefined)) {
      throw new Error(`compose would refuse to start: ${name}: ${arg}`);
    }
    return v ?? '';
  });
}

function envOf(service: Obj, name: string): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  // Only the mapping form: `- KEY=value` lists hide typos from this test.
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(env, `${name}.environment`))) {
    if (typeof v !== 'string') throw new Error(`${name}.environment.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

const composeText = read('compose.yaml');
const compose = obj(parseYaml(composeText), 'compose.yaml');
const services = obj(compose.services, 'services');
const svc = (name: string) => obj(services[name], `services.${name}`);

describe('mini-yaml (the reader this test uses)', () => {
  it('reads the subset compose.yaml uses', () => {
    const doc = parseYaml(
      [
        '# comment',
        'a:',
        '  b: plain value # trailing comment',
        "  c: 'it''s'",
        '  d: "x: \\"y\\" # not a comment"',
        '  e: ["CMD", "node", plain, \'\', "daemon off;"]',
        '  f:',
        '    - one',
        '    - k: v',
        '      k2: v2',
        '  g:',
        '  - same-indent item',
        '  h:',
        'i: nats://nats:4222',
      ].join('\n'),
    );
    expect(doc).toEqual({
      a: {
        b: 'plain value',
        c: "it's",
        d: 'x: "y" # not a comment',
        e: ['CMD', 'node', 'plain', '', 'daemon off;'],
        f: ['one', { k: 'v', k2: 'v2' }],
        g: ['same-indent item'],
        h: null,
      },
      i: 'nats://nats:4222',
    });
  });

  it.each([
    ['anchors', 'a: &x 1\nb: *x'],
    ['merge keys', 'a:\n  <<: {}'],
    ['block scalars', 'a: |\n  text'],
    ['flow mappings', 'a: {b: 1}'],
    ['duplicate keys', 'a: 1\na: 2'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2'],
    ['tabs', 'a:\n\tb: 1'],
    ['unterminated strings', 'a: "open'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseYaml(text)).toThrow(YamlSubsetError);
  });
});

describe('compose.yaml', () => {
  it('has the whole topology', () => {
    expect(Object.keys(services).sort()).toEqual([...INFRA, ...NATTER_NAMES].sort());
  });

  it('gives every container a health check and a restart policy', () => {
    for (const name of Object.keys(services)) {
      const s = svc(name);
      const test = list(obj(s.healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`);
      expect(test[0], `${name} healthcheck`).toMatch(/^CMD(-SHELL)?$/);
      expect(['unless-stopped', 'always', 'on-failure'], `${name} restart`).toContain(s.restart);
    }
  });

  it('starts containers only after what they depend on is healthy', () => {
    for (const name of [...NATTER_NAMES, 'nginx']) {
      const deps = obj(svc(name).depends_on, `${name}.depends_on`);
      expect(Object.keys(deps).length).toBeGreaterThan(0);
      for (const [dep, how] of Object.entries(deps)) {
        expect(services, `${name} depends on ${dep}`).toHaveProperty([dep]);
        expect(obj(how, `${name}.depends_on.${dep}`).condition, `${name} -> ${dep}`).toBe('service_healthy');
        expect(svc(dep).healthcheck, `${dep} needs a healthcheck for service_healthy`).toBeDefined();
      }
    }
    const needs: Record<string, string[]> = {
      history: ['nats', 'postgres'],
      rooms: ['nats', 'postgres'],
      presence: ['nats', 'redis', 'postgres'],
      hooks: ['nats', 'postgres'],
      push: ['nats', 'postgres'],
      'gateway-1': ['nats'],
      'gateway-2': ['nats'],
      nginx: ['gateway-1', 'gateway-2'],
    };
    for (const [name, deps] of Object.entries(needs)) {
      expect(Object.keys(obj(svc(name).depends_on, name)), name).toEqual(expect.arrayContaining(deps));
    }
  });

  it('builds each Natter container: the gateway from its own Dockerfile, the backend services from one with the service as an argument', () => {
    for (const name of NATTER_NAMES) {
      const build = obj(svc(name).build, `${name}.build`);
      expect(build.context, name).toBe('.');
      const pkg = NATTER[name].pkg;
      if (pkg === 'gateway') {
        expect(build.dockerfile, name).toBe('services/gateway/Dockerfile');
      } else {
        expect(build.dockerfile, name).toBe(SERVICE_DOCKERFILE);
        const args = obj(build.args, `${name}.build.args`);
        expect(args.SERVICE, name).toBe(pkg);
        expect(args.HTTP_PORT, `${name}: the image's port is the one compose gives it`).toBe(
          envOf(svc(name), name).HTTP_PORT,
        );
      }
      expect(existsSync(path.join(ROOT, String(build.dockerfile))), `${build.dockerfile} exists`).toBe(true);
      expect(svc(name).image, `${name} is built, not pulled`).toBeUndefined();
    }
    for (const name of INFRA) expect(svc(name).image, `${name}.image`).toEqual(expect.any(String));
  });

  it('sets only variables the code reads (or the Postgres image documents)', () => {
    const known = variablesTheCodeReads();
    for (const name of Object.keys(services)) {
      const allowed = NATTER_NAMES.includes(name as NatterName) ? known : new Set(IMAGE_VARS[name] ?? []);
      const unknown = Object.keys(envOf(svc(name), name)).filter((v) => !allowed.has(v));
      expect(unknown, `${name}: variables nothing reads`).toEqual([]);
    }
  });

  it('gives each Natter container the variables its main.ts requires, with values loadConfig accepts', () => {
    const shell = { NATTER_JWT_SECRET: 'a-test-secret-that-is-long-enough-0123456789' };
    for (const name of NATTER_NAMES) {
      const { needs, portVar } = NATTER[name];
      const env = envOf(svc(name), name);
      for (const v of [...needs, portVar, 'NATTER_NAMESPACE'])
        expect(env, `${name} sets ${v}`).toHaveProperty([v]);
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, shell)]));
      const config = loadConfig(resolved);
      expect(() => requireUrls(config, [...needs]), name).not.toThrow();
    }
  });

  it('points the URLs at the containers that serve them', () => {
    const pg = envOf(svc('postgres'), 'postgres');
    for (const name of NATTER_NAMES) {
      const env = envOf(svc(name), name);
      expect(env.NATS_URL, name).toBe('nats://nats:4222');
      if (env.REDIS_URL !== undefined) expect(env.REDIS_URL, name).toBe('redis://redis:6379');
      if (env.DATABASE_URL !== undefined) {
        expect(env.DATABASE_URL, name).toBe(
          `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`,
        );
      }
    }
  });

  it('runs the services on one namespace, with distinct gateway ids and default ports', () => {
    const namespaces = new Set(NATTER_NAMES.map((n) => envOf(svc(n), n).NATTER_NAMESPACE));
    expect(namespaces.size).toBe(1);
    const ids = ['gateway-1', 'gateway-2'].map((n) => envOf(svc(n), n).GATEWAY_ID);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const n of ['gateway-1', 'gateway-2']) expect(envOf(svc(n), n).PORT).toBe(DEFAULTS.PORT);
  });

  it("checks each Natter container's /readyz on the port it listens on", () => {
    for (const name of NATTER_NAMES) {
      const { portVar } = NATTER[name];
      const port = envOf(svc(name), name)[portVar];
      const test = list(obj(svc(name).healthcheck, name).test, name);
      expect(test, name).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs', portVar, port]);
    }
    expect(read('deploy/healthcheck.mjs')).toContain('/readyz');
  });

  it('keeps Redis off disk and runs NATS with JetStream', () => {
    expect(list(svc('redis').command, 'redis.command')).toEqual([
      'redis-server',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    expect(list(svc('nats').command, 'nats.command')).toContain('-js');
  });

  it('publishes only nginx, with deploy/nginx mounted', () => {
    for (const name of Object.keys(services)) {
      if (name !== 'nginx') expect(svc(name).ports, `${name} is not published`).toBeUndefined();
    }
    const nginx = svc('nginx');
    expect(nginx.ports).toEqual(['8080:80']);
    expect(list(nginx.volumes, 'nginx.volumes')).toContain('./deploy/nginx:/etc/nginx/natter:ro');
    expect(list(nginx.command, 'nginx.command')).toEqual(
      expect.arrayContaining(['-c', '/etc/nginx/natter/nginx.conf']),
    );
  });

  it('documents every shell variable it reads in docs/configuration.md', () => {
    const used = new Set([...composeText.matchAll(INTERPOLATION)].map((m) => m[1]));
    const doc = read('docs/configuration.md');
    const section = doc.slice(doc.indexOf('## In `compose.yaml`'));
    expect(section.length).toBeLessThan(doc.length);
    const missing = [...used].filter((v) => !new RegExp(`\\|\\s*\`${v}\`\\s*\\|`).test(section));
    expect(missing).toEqual([]);
    expect(used).toContain('NATTER_JWT_SECRET');
  });

  it('gateways refuse to start without an explicit choice: a secret, or NATTER_AUTH=open', () => {
    for (const name of ['gateway-1', 'gateway-2']) {
      const env = envOf(svc(name), name);
      const gatewayConfig = (shell: Record<string, string>) =>
        loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, shell)])));
      expect(() => requireAuthChoice(gatewayConfig({}))).toThrow(/NATTER_AUTH=open/);
      expect(gatewayConfig({ NATTER_AUTH: 'open' }).authMode).toBe('open');
      expect(gatewayConfig({ NATTER_JWT_SECRET: 'x'.repeat(32) }).authMode).toBe('keyed');
    }
  });
});

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

describe('deploy/nginx', () => {
  const conf = read('deploy/nginx/nginx.conf');
  const gatewaysConf = read('deploy/nginx/gateways.conf');

  it('balances over the two compose gateways with passive health checks', () => {
    expect(conf).toMatch(/upstream natter_gateways \{[^}]*\b(least_conn|ip_hash);/);
    expect(conf).toMatch(/upstream natter_gateways \{[^}]*include gateways\.conf;/);
    const servers = [...gatewaysConf.matchAll(/^server (\S+?):(\d+) (.*);$/gm)];
    expect(servers.map((m) => m[1])).toEqual(['gateway-1', 'gateway-2']);
    for (const [, host, port, params] of servers) {
      expect(port, host).toBe(envOf(svc(host), host).PORT);
      expect(params, host).toMatch(/max_fails=\d+/);
      expect(params, host).toMatch(/fail_timeout=\d+s/);
    }
    expect(read('deploy/nginx/server.conf')).toMatch(/^listen 80;$/m);
    expect(conf).toMatch(/server \{\s*include server\.conf;/);
  });

  it('upgrades /ws and keeps it open longer than two heartbeats', () => {
    const ws = /location = \/ws \{([^}]*)\}/.exec(conf);
    expect(ws).not.toBeNull();
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(conf).toContain('proxy_set_header Connection $connection_upgrade;');
    const timeout = /proxy_read_timeout (\d+)s;/.exec(ws![1]);
    expect(Number(timeout?.[1])).toBeGreaterThan(2 * Number(DEFAULTS.NATTER_HEARTBEAT_SEC));
  });

  it('sets proxy headers only at server level (a location setting one would drop the rest)', () => {
    for (const m of conf.matchAll(/location [^{]*\{([^}]*)\}/g))
      expect(m[1]).not.toContain('proxy_set_header');
  });

  it('proxies the API, the health checks and the web client', () => {
    for (const loc of ['location /v1/', 'location = /healthz', 'location = /readyz', 'location /']) {
      expect(conf).toContain(`${loc} {`);
    }
  });

  it('renders a native copy for other ports', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'natter-nginx-'));
    try {
      const file = renderNginxSite({
        dir,
        listenPort: 18080,
        gateways: ['127.0.0.1:18081', '127.0.0.1:18082'],
      });
      expect(readFileSync(file, 'utf8')).toBe(conf);
      expect(readFileSync(path.join(dir, 'server.conf'), 'utf8')).toBe(
        `listen 127.0.0.1:18080;\naccess_log ${dir}/access.log;\n`,
      );
      expect(readFileSync(path.join(dir, 'gateways.conf'), 'utf8')).toBe(
        'server 127.0.0.1:18081 max_fails=2 fail_timeout=10s;\nserver 127.0.0.1:18082 max_fails=2 fail_timeout=10s;\n',
      );
      expect(() => renderNginxSite({ dir, listenPort: 1, gateways: ['x; evil'] })).toThrow(/host:port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  it.skipIf(!nginx)('is accepted by `nginx -t` once rendered for native ports', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'natter-nginx-'));
    try {
      const file = renderNginxSite({
        dir,
        listenPort: 18080,
        gateways: ['127.0.0.1:18081', '127.0.0.1:18082'],
      });
      const res = spawnSync(
        nginx!,
        ['-t', '-p', dir, '-c', file, '-e', path.join(dir, 'error.log'), '-g', `pid ${dir}/nginx.pid;`],
        {
          encoding: 'utf8',
        },
      );
      expect(res.status, res.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.ci/run', () => {
  it('is an executable bash script that parses', () => {
    const file = path.join(ROOT, '.ci/run');
    accessSync(file, constants.X_OK);
    expect(readFileSync(file, 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n/);
    execFileSync('bash', ['-n', file]);
  });
});
