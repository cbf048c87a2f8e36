export { connectBusFromConfig } from './bus.ts';
export {
  type HealthChecks,
  type HealthRoutesOptions,
  type HealthServer,
  type HealthServerOptions,
  healthRoutes,
  type RouteHandler,
  startHealthServer,
} from './health.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { type RunMainOptions, runMain } from './run-main.ts';
export { type ServedService, type ServeProcessOptions, serveProcess } from './serve-process.ts';
export { onShutdown, type ShutdownOptions } from './shutdown.ts';
