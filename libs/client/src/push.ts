import type { NotifyLevel } from '@natter/protocol';
import type { NatterClient, RequestOptions } from './client.ts';

/**
 * Push registration helpers (protocol 1.1 "Push to offline devices"). Structural types
 * stand in for the DOM's ServiceWorkerRegistration and PushSubscription, so the SDK
 * needs no DOM library and React Native code can call the native-token helper alone.
 */
export interface PushSubscriptionLike {
  toJSON(): { endpoint?: string; keys?: Record<string, string> };
}
export interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: {
    userVisibleOnly: boolean;
    applicationServerKey: Uint8Array;
  }): Promise<PushSubscriptionLike>;
}
export interface ServiceWorkerRegistrationLike {
  pushManager: PushManagerLike;
}

/** base64url (the server's NATTER_VAPID_PUBLIC_KEY) to the bytes `applicationServerKey` takes. */
export function vapidKeyBytes(key: string): Uint8Array {
  const b64 = key
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(key.length / 4) * 4, '=');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Subscribes this browser to Web Push through `registration` (the app's service worker;
 * the page must have the Notification permission) with the server's VAPID public key,
 * reusing a subscription it already has, and registers it with the server for the signed
 * in user. Resolves with the device id (`d_...`), for `unregisterPush`.
 */
export async function registerWebPush(
  client: NatterClient,
  registration: ServiceWorkerRegistrationLike,
  vapidPublicKey: string,
  options?: RequestOptions,
): Promise<string> {
  const sub =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: vapidKeyBytes(vapidPublicKey),
    }));
  const json = sub.toJSON();
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  if (!json.endpoint || !p256dh || !auth)
    throw new TypeError('the push subscription has no endpoint or keys');
  const { device } = await client.request(
    'push.register',
    { provider: 'webpush', subscription: { endpoint: json.endpoint, keys: { p256dh, auth } } },
    options,
  );
  return device;
}

/**
 * Registers a native app's device token (from Firebase Messaging, or APNs' device token as
 * hex) for the signed in user; call it again whenever the platform hands out a new token.
 */
export async function registerNativePush(
  client: NatterClient,
  provider: 'fcm' | 'apns',
  token: string,
  options?: RequestOptions,
): Promise<string> {
  return (await client.request('push.register', { provider, token }, options)).device;
}

/** Stops pushes to one of the user's devices (on sign-out, say). */
export async function unregisterPush(
  client: NatterClient,
  device: string,
  options?: RequestOptions,
): Promise<void> {
  await client.request('push.unregister', { device }, options);
}

/** The user's notification level of `conv` (`until`: an ISO time it lasts until). */
export async function setNotify(
  client: NatterClient,
  conv: string,
  level: NotifyLevel,
  until?: string,
  options?: RequestOptions,
): Promise<void> {
  await client.request('notify', until === undefined ? { conv, level } : { conv, level, until }, options);
}
