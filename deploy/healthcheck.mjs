// Container health check: exits 0 when this process's /readyz answers 200, else 1.
// Usage: node deploy/healthcheck.mjs <env var naming the port> <default port>
// e.g. `node deploy/healthcheck.mjs HTTP_PORT 9103`, `node deploy/healthcheck.mjs PORT 8080`.
// Plain JavaScript (no tsx) so a check costs one short node start.
const [portVar, fallback] = process.argv.slice(2);
const port = (portVar && process.env[portVar]) || fallback;
if (!port) {
  console.error('usage: healthcheck.mjs <PORT_VAR> <default port>');
  process.exit(2);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) console.error(`/readyz on ${port}: ${res.status} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`/readyz on ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
