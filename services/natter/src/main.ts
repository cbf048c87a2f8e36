import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { onShutdown, runMain } from '@natter/service';
import { launch } from './launch.ts';

runMain('natter', async () => {
  const config = loadConfig();
  const log = createLogger({ name: 'natter', level: config.logLevel, format: config.logFormat });
  const node = await launch(config, log);
  onShutdown(log, () => node.stop());
});
