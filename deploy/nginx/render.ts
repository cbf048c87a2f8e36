import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a runnable copy of deploy/nginx for other addresses: nginx.conf unchanged (the
 * same balancing, timeouts and locations as compose), with its own server.conf (listen
 * address, access log in the folder) and gateways.conf. Start it with
 *   nginx -p <dir> -c <dir>/nginx.conf -e <dir>/error.log -g 'pid <dir>/nginx.pid; daemon off;'
 * as root (Debian's nginx keeps its temp files under /var/lib/nginx).
 */
export interface NginxSite {
  /** The folder to write; created if missing. */
  dir: string;
  /** The port nginx listens on. */
  listenPort: number;
  /** Interface to listen on; 127.0.0.1 by default. */
  listenHost?: string;
  /** `host:port` of each gateway. */
  gateways: string[];
  /** Passive health check: failures within failTimeoutSec that take a gateway out (2). */
  maxFails?: number;
  /** Passive health check window and time out, in seconds (10). */
  failTimeoutSec?: number;
}

export const NGINX_TEMPLATE_DIR = path.resolve(import.meta.dirname);

/** Returns the path of the written nginx.conf. */
export function renderNginxSite(site: NginxSite): string {
  if (site.gateways.length === 0) throw new Error('renderNginxSite: at least one gateway is needed');
  for (const gw of site.gateways) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(gw))
      throw new Error(`renderNginxSite: gateway "${gw}" is not host:port`);
  }
  const maxFails = site.maxFails ?? 2;
  const failTimeout = site.failTimeoutSec ?? 10;
  mkdirSync(site.dir, { recursive: true });
  const conf = path.join(site.dir, 'nginx.conf');
  copyFileSync(path.join(NGINX_TEMPLATE_DIR, 'nginx.conf'), conf);
  writeFileSync(
    path.join(site.dir, 'server.conf'),
    `listen ${site.listenHost ?? '127.0.0.1'}:${site.listenPort};\naccess_log ${path.join(site.dir, 'access.log')};\n`,
  );
  writeFileSync(
    path.join(site.dir, 'gateways.conf'),
    site.gateways.map((gw) => `server ${gw} max_fails=${maxFails} fail_timeout=${failTimeout}s;\n`).join(''),
  );
  return conf;
}
