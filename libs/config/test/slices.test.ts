import { describe, expect, it } from 'vitest';
import { gatewayConfig, historyConfig, loadConfig, presenceConfig, roomsConfig } from '../src/index.ts';

describe('service slices', () => {
  const config = loadConfig({ NATTER_NAMESPACE: 'ns1', NATTER_ROSTER_TTL_MS: '5000' });

  it('hold only what their service reads, with the values of the whole', () => {
    expect(presenceConfig(config)).toEqual({ namespace: 'ns1', gatewayHeartbeatMs: 3000 });
    expect(roomsConfig(config)).toMatchObject({ namespace: 'ns1', rosterTtlMs: 5000, backendProbeMs: 2000 });
    expect(roomsConfig(config)).not.toHaveProperty('jwtSecret');
    expect(historyConfig(config)).not.toHaveProperty('maxRoomMembers');
    expect(gatewayConfig(config)).not.toHaveProperty('uploadOrphanHours');
  });
});
