import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, loadConfig, requireAuthChoice, requireUrls } from '@natter/config';
import { describe, expect, it } from 'vitest';
import {
  composeText,
  envOf,
  list,
  NATTER,
  NATTER_NAMES,
  type NatterName,
  obj,
  ROOT,
  read,
  SERVICE_DOCKERFILE,
  services,
  svc,
} from './compose-model.ts';
import { configSource, configSourceVariables, directEnvReads } from './config-scan.ts';

// compose.yaml cannot be run here (no Docker daemon), so this checks what can be checked
// without one: the topology is complete, every container has a health check and a restart
// policy, and each Natter container gets exactly the variables the code reads and the ones
// its main.ts requires, with values loadConfig accepts. The Dockerfiles and deploy/nginx are
// checked the same way (dockerfiles.test.ts, nginx-config.test.ts).

const INFRA = ['nats', 'redis', 'postgres', 'nginx'];
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
