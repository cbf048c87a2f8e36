import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { type NatsHandle, startNats } from '@natter/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBusFromConfig } from '../src/index.ts';

let nats: NatsHandle;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats?.stop();
});

it('connects to the NATS servers of NATS_URL (comma separated) and logs as module bus', async () => {
  const lines: { module?: string; msg: string }[] = [];
  const log = createLogger({
    name: 'svc',
    destination: { write: (l: string) => void lines.push(JSON.parse(l)) },
  });
  const config = loadConfig({ NATS_URL: ` ${nats.url} ,${nats.url}` });
  const bus = await connectBusFromConfig(config, 'rooms', log);
  try {
    expect(bus.ready).toBe(true);
    bus.subscribe('svc.echo', (m) => m.respond(m.data));
    await bus.flush();
    const reply = await bus.request('svc.echo', new TextEncoder().encode('hi'), { timeout: 2000 });
    expect(new TextDecoder().decode(reply.data)).toBe('hi');
    expect(lines.some((l) => l.module === 'bus' && l.msg === 'connected to NATS')).toBe(true);
  } finally {
    await bus.drain();
  }
});
