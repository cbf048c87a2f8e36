import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's Prometheus metrics (names are part of the operator's contract). */
export function gatewayMetrics(registry: Registry) {
  return {
    connections: new Gauge({ name: 'natter_gateway_connections', help: 'Open WebSocket connections', registers: [registry] }),
    sessions: new Gauge({ name: 'natter_gateway_sessions', help: 'Authenticated sessions', registers: [registry] }),
    framesIn: new Counter({ name: 'natter_gateway_frames_in_total', help: 'Frames received', labelNames: ['op'], registers: [registry] }),
    errors: new Counter({ name: 'natter_gateway_errors_total', help: 'Error replies by code', labelNames: ['code'], registers: [registry] }),
    sends: new Counter({ name: 'natter_gateway_sends_total', help: 'Messages accepted (stored)', labelNames: ['kind'], registers: [registry] }),
    deliveries: new Counter({ name: 'natter_gateway_deliveries_total', help: 'Stored messages received for local sessions', labelNames: ['kind'], registers: [registry] }),
    closes: new Counter({ name: 'natter_gateway_closes_total', help: 'Connections closed by the server', labelNames: ['code'], registers: [registry] }),
    requestSeconds: new Histogram({
      name: 'natter_gateway_request_seconds',
      help: 'Time to answer a client request',
      labelNames: ['op'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof gatewayMetrics>;
