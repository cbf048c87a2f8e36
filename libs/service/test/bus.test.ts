import { ConfigError, loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { expect, it } from 'vitest';
import { connectBusFromConfig } from '../src/index.ts';

it('refuses to connect without NATS_URL, naming the variable', async () => {
  const log = createLogger({ name: 'bus-test', level: 'silent' });
  const err = await connectBusFromConfig(loadConfig({}), 'rooms', log).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as Error).message).toContain('NATS_URL');
});
