import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  nats: string;
  redis: string;
  postgres: string;
  fdLimit: string;
}

function version(cmd: string, args: string[], fallback = 'unknown'): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0];
  } catch {
    return fallback;
  }
}

export function describeMachine(postgresVersion: string): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nats:
      version('nats-server', ['--version']) === 'unknown'
        ? version('/usr/sbin/nats-server', ['--version'])
        : version('nats-server', ['--version']),
    redis: version('redis-server', ['--version']).replace(/ sha=.*$/, ''),
    postgres: postgresVersion,
    fdLimit: version('sh', ['-c', 'ulimit -n']),
  };
}
