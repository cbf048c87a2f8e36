// Natter's service worker: shows Web Push notifications while no tab is open or visible,
// and opens the conversation on click. The server sends JSON (docs/protocol.md, "Push to
// offline devices"): {"type":"message","conv","seq","mid","from","text","count","title",
// "body"}, or {"type":"clear","conv"} once the user has read the conversation elsewhere.
// Register it with navigator.serviceWorker.register('/sw.js') and subscribe with the SDK's
// registerWebPush(client, registration, NATTER_VAPID_PUBLIC_KEY).
/* global self, clients */

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** Notifications of one conversation share a tag: a new push replaces the shown one. */
const tagOf = (conv) => `natter:${conv}`;

self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : undefined;
  } catch {
    data = undefined;
  }
  if (!data || typeof data.conv !== 'string') return;
  event.waitUntil(handle(data));
});

async function handle(data) {
  if (data.type === 'clear') {
    for (const n of await self.registration.getNotifications({ tag: tagOf(data.conv) })) n.close();
    return;
  }
  if (data.type !== 'message') return;
  // A visible tab of the app shows the message itself (and counts it in the title).
  const windows = await clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (windows.some((w) => w.visibilityState === 'visible')) return;
  await self.registration.showNotification(String(data.title ?? 'Natter'), {
    body: String(data.body ?? ''),
    tag: tagOf(data.conv),
    renotify: true,
    icon: '/favicon.svg',
    data: { conv: data.conv, seq: data.seq },
  });
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const conv = event.notification.data?.conv;
  // The web client opens the conversation named by the URL's fragment (#room:general).
  const url = new URL(typeof conv === 'string' ? `/#${encodeURIComponent(conv)}` : '/', self.location.origin)
    .href;
  event.waitUntil(
    (async () => {
      const windows = await clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        await open.navigate(url).catch(() => open.postMessage({ type: 'open', conv }));
        return;
      }
      await clients.openWindow(url);
    })(),
  );
});
