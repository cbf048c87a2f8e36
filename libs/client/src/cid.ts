/**
 * A fresh client message id (`cid`, 1-64 characters): a UUID where `crypto.randomUUID`
 * exists (browsers on secure origins, Node), else 128 random bits from
 * `crypto.getRandomValues`, else (old React Native without a polyfill) Math.random,
 * which is enough for ids unique per sender.
 */
export function newCid(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `c-${hex}`;
}
