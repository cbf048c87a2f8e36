import { loadConfig, requireUrls } from '@natter/config';
import { createLogger } from '@natter/log';
import { connectBusFromConfig, createMetrics, onShutdown, runMain } from '@natter/service';
import { start } from './start.ts';

runMain('gateway', async () => {
  const config = loadConfig();
  requireUrls(config, ['NATS_URL']);
  const log = createLogger({ name: 'gateway', level: config.logLevel });
  const bus = await connectBusFromConfig(config, 'gateway', log);
  const metrics = createMetrics('gateway');
  const gw = await start(config, { bus, log, registry: metrics.registry, webDir: process.env.NATTER_WEB_DIR });
  onShutdown(log, async () => {
    await gw.stop();
    await bus.drain();
  });
});
