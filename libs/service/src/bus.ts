import { type Bus, connectNatsBus, type NatsBusOptions } from '@natter/bus';
import { type Config, requireUrls } from '@natter/config';
import type { Logger } from '@natter/log';

/**
 * The NATS bus of a service started on its own: `NATS_URL` (comma separated servers of one
 * cluster) must be set, else ConfigError. Waits until NATS is reachable.
 */
export async function connectBusFromConfig(
  config: Config,
  name: string,
  log: Logger,
  opts: Pick<NatsBusOptions, 'localEcho'> = {},
): Promise<Bus> {
  requireUrls(config, ['NATS_URL']);
  const servers = config
    .natsUrl!.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return connectNatsBus({ servers, name: `natter-${name}`, log: log.child({ module: 'bus' }), ...opts });
}
