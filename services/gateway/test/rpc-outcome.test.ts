import { MemoryBus } from '@natter/bus';
import { rpcSubject, subjects } from '@natter/contracts';
import { NatterError } from '@natter/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { gatewayMetrics, TimedRpcClient } from '../src/metrics.ts';

/** natter_gateway_rpc_seconds_count by outcome for `rpc`, from the registry's text. */
async function outcomes(registry: Registry, rpc: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await registry.metrics()).split('\n')) {
    if (!line.startsWith('natter_gateway_rpc_seconds_count{') || !line.includes(`rpc="${rpc}"`)) continue;
    const outcome = /outcome="([^"]*)"/.exec(line)?.[1];
    if (outcome) out[outcome] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

describe('TimedRpcClient outcomes', () => {
  it('counts a call with no reply in time as timeout (the caller still gets unavailable)', async () => {
    const bus = new MemoryBus();
    const s = subjects('t');
    // A responder that never answers: the join's reply never comes.
    bus.subscribe(rpcSubject(s, 'rooms.join'), () => undefined);
    const registry = new Registry();
    const rpc = new TimedRpcClient(bus, s, 50, gatewayMetrics(registry).rpcSeconds);
    const err = await rpc
      .call('rooms.join', { v: 1, room: 'r', user: 'u' } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatterError);
    expect((err as NatterError).code).toBe('unavailable');
    expect(await outcomes(registry, 'rooms.join')).toEqual({ timeout: 1 });
    await bus.drain();
  });

  it('counts an error reply by its code', async () => {
    const bus = new MemoryBus();
    const s = subjects('t');
    bus.subscribe(rpcSubject(s, 'rooms.join'), (msg) =>
      msg.respond(
        new TextEncoder().encode(
          JSON.stringify({ err: { code: 'unavailable', message: 'busy', retryAfter: 500 } }),
        ),
      ),
    );
    const registry = new Registry();
    const rpc = new TimedRpcClient(bus, s, 1000, gatewayMetrics(registry).rpcSeconds);
    await rpc.call('rooms.join', { v: 1, room: 'r', user: 'u' } as never).catch(() => undefined);
    expect(await outcomes(registry, 'rooms.join')).toEqual({ unavailable: 1 });
    await bus.drain();
  });
});
