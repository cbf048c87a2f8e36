import { readFileSync } from 'node:fs';
import { ConfigError, type PushConfig } from '@natter/config';
import type { Device } from '../devices.ts';
import { ApnsProvider } from './apns.ts';
import { FcmProvider, type ServiceAccount } from './fcm.ts';
import type { Provider } from './types.ts';
import { WebPushProvider } from './webpush.ts';

export type { Notice, Outcome, Provider } from './types.ts';

/** A setting that holds either the secret itself or the path of a file with it. */
function inlineOrFile(name: string, value: string, inline: (v: string) => boolean): string {
  if (inline(value)) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${JSON.stringify(value)} (${(err as Error).message})`);
  }
}

function serviceAccount(raw: string): ServiceAccount {
  const text = inlineOrFile('NATTER_FCM_CREDENTIALS', raw, (v) => v.trimStart().startsWith('{'));
  let sa: Partial<ServiceAccount>;
  try {
    sa = JSON.parse(text);
  } catch {
    throw new ConfigError('NATTER_FCM_CREDENTIALS: not JSON (give a service-account key file or its JSON)');
  }
  for (const f of ['project_id', 'client_email', 'private_key'] as const) {
    if (typeof sa[f] !== 'string' || !sa[f])
      throw new ConfigError(`NATTER_FCM_CREDENTIALS: the service account has no ${f}`);
  }
  return sa as ServiceAccount;
}

/** The providers the configuration turns on; a device of another provider is not pushed to. */
export function providersFrom(config: PushConfig): Partial<Record<Device['provider'], Provider>> {
  const out: Partial<Record<Device['provider'], Provider>> = {};
  const timeoutMs = config.webhookTimeoutMs;
  if (config.vapidPublicKey && config.vapidPrivateKey) {
    out.webpush = new WebPushProvider(
      { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject: config.vapidSubject },
      timeoutMs,
    );
  }
  if (config.fcmCredentials) {
    const credentials = serviceAccount(config.fcmCredentials);
    out.fcm = new FcmProvider({
      credentials,
      endpoint: config.fcmEndpoint,
      tokenUrl: config.fcmTokenUrl ?? credentials.token_uri ?? 'https://oauth2.googleapis.com/token',
      timeoutMs,
    });
  }
  if (config.apnsKey && config.apnsKeyId && config.apnsTeamId && config.apnsTopic) {
    out.apns = new ApnsProvider({
      key: inlineOrFile('NATTER_APNS_KEY', config.apnsKey, (v) => v.includes('-----BEGIN')),
      keyId: config.apnsKeyId,
      teamId: config.apnsTeamId,
      topic: config.apnsTopic,
      endpoint: config.apnsEndpoint,
      timeoutMs,
    });
  }
  return out;
}
