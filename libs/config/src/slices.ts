import type { Config } from './index.ts';

function pick<K extends keyof Config>(config: Config, keys: readonly K[]): Pick<Config, K> {
  return Object.fromEntries(keys.map((k) => [k, config[k]])) as Pick<Config, K>;
}

// What each service's start() reads: a service cannot come to depend on a setting of
// another's without its slice saying so. A whole Config is a valid slice of each.
const ROOMS_KEYS = [
  'namespace',
  'requestTimeoutMs',
  'maxRoomsPerUser',
  'maxRoomMembers',
  'rosterTtlMs',
  'rosterCacheRooms',
  'backendProbeMs',
  'serviceMaxInFlight',
  'roomAnnounceMax',
] as const;
const HISTORY_KEYS = [
  'namespace',
  'requestTimeoutMs',
  'maxTextChars',
  'editWindowSec',
  'uploadOrphanHours',
  'uploadSweepIntervalMs',
  'rosterTtlMs',
  'rosterCacheRooms',
  'backendProbeMs',
  'serviceMaxInFlight',
] as const;
const PRESENCE_KEYS = ['namespace', 'gatewayHeartbeatMs'] as const;
const HOOKS_KEYS = [
  'namespace',
  'eventsRetentionHours',
  'eventsPruneIntervalMs',
  'webhookUrls',
  'webhookSecret',
  'webhookEvents',
  'webhookTimeoutMs',
  'webhookBackoffMs',
  'webhookPollMs',
  'backendProbeMs',
] as const;
const PUSH_KEYS = [
  'namespace',
  'requestTimeoutMs',
  'backendProbeMs',
  'pushDelayMs',
  'pushWebhook',
  'pushPollMs',
  'vapidPublicKey',
  'vapidPrivateKey',
  'vapidSubject',
  'fcmCredentials',
  'fcmEndpoint',
  'fcmTokenUrl',
  'apnsKey',
  'apnsKeyId',
  'apnsTeamId',
  'apnsTopic',
  'apnsEndpoint',
  'webhookTimeoutMs',
] as const;
const GATEWAY_KEYS = [
  'port',
  'httpPort',
  'redisUrl',
  'databaseUrl',
  'namespace',
  'jwtSecret',
  'jwtPublicKey',
  'apiKey',
  'metricsToken',
  'gatewayId',
  'requestTimeoutMs',
  'gatewayHeartbeatMs',
  'heartbeatSec',
  'helloTimeoutMs',
  'maxFrameBytes',
  'maxTextChars',
  'reorderWaitMs',
  'maxBufferedBytes',
  'tokenTtlSec',
  'maxUploadBytes',
  'uploadBytesPerDay',
  'uploadsInFlightPerUser',
  'jwksUrl',
  'jwksCooldownMs',
  'jwtAudience',
  'jwtIssuer',
  'allowedOrigins',
  'remoteAttachments',
  'webGateways',
  'rateRequestsPerSec',
  'rateRequestsBurst',
  'rateSendsPerSec',
  'rateSendsBurst',
  'rateTypingPerSec',
  'rateTypingBurst',
  'httpRatePerSec',
  'httpRateBurst',
  'rateAbuseRejections',
  'rateAbuseWindowMs',
  'userSendsPerMin',
  'maxConnectionsPerIp',
  'maxSessionsPerUser',
  'trustProxyHops',
  'membershipCheckSec',
  'positionCheckSec',
  'maxPendingEvents',
  'authMode',
  'jwtMaxAgeSec',
  'admissionInFlight',
  'admissionQueue',
  'admissionWaitMs',
  'admissionUpgradeLimit',
  'helloBatchMax',
  'listenBacklog',
  'reconnectRate',
] as const;

export type RoomsConfig = Pick<Config, (typeof ROOMS_KEYS)[number]>;
export type HistoryConfig = Pick<Config, (typeof HISTORY_KEYS)[number]>;
export type PresenceConfig = Pick<Config, (typeof PRESENCE_KEYS)[number]>;
export type HooksConfig = Pick<Config, (typeof HOOKS_KEYS)[number]>;
export type PushConfig = Pick<Config, (typeof PUSH_KEYS)[number]>;
export type GatewayConfig = Pick<Config, (typeof GATEWAY_KEYS)[number]>;

export const roomsConfig = (config: Config): RoomsConfig => pick(config, ROOMS_KEYS);
export const historyConfig = (config: Config): HistoryConfig => pick(config, HISTORY_KEYS);
export const presenceConfig = (config: Config): PresenceConfig => pick(config, PRESENCE_KEYS);
export const hooksConfig = (config: Config): HooksConfig => pick(config, HOOKS_KEYS);
export const pushConfig = (config: Config): PushConfig => pick(config, PUSH_KEYS);
export const gatewayConfig = (config: Config): GatewayConfig => pick(config, GATEWAY_KEYS);
