export {
  backendError,
  backendUnavailable,
  isUnavailable,
  UNAVAILABLE_RETRY_AFTER_MS,
} from './backend-error.ts';
export { BackendHealth, type BackendHealthOptions } from './backend-health.ts';
export { connectBusFromConfig } from './bus.ts';
export { GroupCommit, type GroupCommitOptions, oneByOne, type Settled } from './group-commit.ts';
export {
  type HealthChecks,
  type HealthRoutesOptions,
  type HealthServer,
  type HealthServerOptions,
  healthRoutes,
  type RouteHandler,
  startHealthServer,
} from './health.ts';
export { InFlight, type InFlightOptions, type OutcomeCounter } from './in-flight.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  type PgServiceContext,
  type PgServiceOptions,
  type PgServiceParts,
  poolHealth,
  runPgService,
} from './pg-service.ts';
export { createRedis, type RedisOptions, redisReady } from './redis.ts';
export { type RunMainOptions, runMain } from './run-main.ts';
export type { RunningService } from './running-service.ts';
export { type ServeProcessOptions, serveProcess } from './serve-process.ts';
export { onShutdown, type ShutdownOptions } from './shutdown.ts';
