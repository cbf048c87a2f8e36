import { createHash } from 'node:crypto';

/**
 * The HS256 key of open mode (NATTER_AUTH=open, development only): derived from the
 * namespace, so every open-mode gateway of one deployment accepts the others' tokens, and
 * `natter token --open` can sign tokens they accept. Knowing the namespace is knowing the
 * key; that is what open mode means. Node only (not in the package root, which browsers load).
 */
export function openModeKey(namespace: string): Uint8Array {
  return createHash('sha256').update(`natter-open-mode:${namespace}`).digest();
}
