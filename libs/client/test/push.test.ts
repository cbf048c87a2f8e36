import { describe, expect, it } from 'vitest';
import {
  registerNativePush,
  registerWebPush,
  setNotify,
  unregisterPush,
  vapidKeyBytes,
} from '../src/push.ts';
import { fakeServerHarness } from './harness.ts';

const h = fakeServerHarness();
const KEY = 'BGOrrxzmaDOE87y1Rfo3WwHkmj3ppSuqYJnokrgFG4-tBXnba3pRDGPOWZcJ2nFss7ogRLMUSrRG0ElYcFUng98';

describe('push helpers', () => {
  it('decodes the VAPID key to its 65 bytes', () => {
    const bytes = vapidKeyBytes(KEY);
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(4);
    expect(Buffer.from(bytes).toString('base64url')).toBe(KEY);
  });

  it('subscribes through the registration with the server key and registers the subscription', async () => {
    h.server.plan('push.register', { kind: 'result', result: { device: 'd_web1' } });
    const client = h.makeClient();
    await client.connect();
    let asked: { userVisibleOnly: boolean; applicationServerKey: Uint8Array } | undefined;
    const registration = {
      pushManager: {
        getSubscription: async () => null,
        subscribe: async (o: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) => {
          asked = o;
          return {
            toJSON: () => ({ endpoint: 'https://push.example/abc', keys: { p256dh: 'P', auth: 'A' } }),
          };
        },
      },
    };
    expect(await registerWebPush(client, registration, KEY)).toBe('d_web1');
    expect(asked?.userVisibleOnly).toBe(true);
    expect(Buffer.from(asked!.applicationServerKey).toString('base64url')).toBe(KEY);
    expect(h.server.requests('push.register')[0]).toMatchObject({
      provider: 'webpush',
      subscription: { endpoint: 'https://push.example/abc', keys: { p256dh: 'P', auth: 'A' } },
    });
  });

  it('registers native tokens, unregisters, and sets notify levels', async () => {
    h.server.plan('push.register', { kind: 'result', result: { device: 'd_fcm1' } });
    const client = h.makeClient();
    await client.connect();
    expect(await registerNativePush(client, 'fcm', 'tok-123')).toBe('d_fcm1');
    await unregisterPush(client, 'd_fcm1');
    await setNotify(client, 'room:general', 'all');
    expect(h.server.requests('push.register')[0]).toMatchObject({ provider: 'fcm', token: 'tok-123' });
    expect(h.server.requests('push.unregister')[0]).toMatchObject({ device: 'd_fcm1' });
    expect(h.server.requests('notify')[0]).toMatchObject({ conv: 'room:general', level: 'all' });
  });
});
