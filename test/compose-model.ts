import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYaml, type YamlValue } from './mini-yaml.ts';

// What the deployment tests (compose, Dockerfiles, nginx) share: the repository's files, and
// compose.yaml as read by mini-yaml with the Natter containers it must have.

export const ROOT = path.resolve(import.meta.dirname, '..');
export const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

export type Obj = { [key: string]: YamlValue };
const isObj = (v: YamlValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export function obj(v: YamlValue | undefined, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
}
export function list(v: YamlValue | undefined, what: string): YamlValue[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
}

/** Which service package each Natter container runs, and what its main.ts requires. */
export const NATTER = {
  history: { pkg: 'history', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  rooms: { pkg: 'rooms', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  presence: { pkg: 'presence', needs: ['NATS_URL', 'REDIS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  hooks: { pkg: 'hooks', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  push: { pkg: 'push', needs: ['NATS_URL', 'DATABASE_URL'], portVar: 'HTTP_PORT' },
  'gateway-1': { pkg: 'gateway', needs: ['NATS_URL'], portVar: 'PORT' },
  'gateway-2': { pkg: 'gateway', needs: ['NATS_URL'], portVar: 'PORT' },
} as const;
export type NatterName = keyof typeof NATTER;
export const NATTER_NAMES = Object.keys(NATTER) as NatterName[];
/** The one Dockerfile of the backend services (history, rooms, presence, hooks, push). */
export const SERVICE_DOCKERFILE = 'deploy/service.Dockerfile';

export function envOf(service: Obj, name: string): Record<string, string> {
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

export const composeText = read('compose.yaml');
const compose = obj(parseYaml(composeText), 'compose.yaml');
export const services = obj(compose.services, 'services');
export const svc = (name: string) => obj(services[name], `services.${name}`);
