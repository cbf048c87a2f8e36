import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULTS } from '@natter/config';
import { describe, expect, it } from 'vitest';
import { renderNginxSite } from '../deploy/nginx/render.ts';
import { envOf, read, svc } from './compose-model.ts';

// deploy/nginx as compose runs it, checked without Docker: its text against compose.yaml, its
// native rendering, and `nginx -t` where nginx is installed.

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
