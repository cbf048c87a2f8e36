import { createECDH } from 'node:crypto';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import type { Io } from '../io.ts';

/**
 * A new VAPID key pair for Web Push (RFC 8292): a P-256 key, the public half as its
 * 65-byte uncompressed point and the private half as its 32 bytes, both base64url, as
 * NATTER_VAPID_PUBLIC_KEY / NATTER_VAPID_PRIVATE_KEY and browsers' applicationServerKey
 * take them (the same form the web-push package makes).
 */
export function vapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes: pad back to 32.
  const priv = Buffer.alloc(32);
  const raw = ecdh.getPrivateKey();
  raw.copy(priv, 32 - raw.length);
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: priv.toString('base64url') };
}

export async function runVapid(inv: { json: boolean }, io: Io): Promise<ExitCode> {
  const k = vapidKeys();
  io.stdout.write(
    inv.json
      ? `${JSON.stringify(k)}\n`
      : `NATTER_VAPID_PUBLIC_KEY=${k.publicKey}\nNATTER_VAPID_PRIVATE_KEY=${k.privateKey}\n`,
  );
  return EXIT.ok;
}
