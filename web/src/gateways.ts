/**
 * Which gateways the page connects to. Default: `/ws` on the page's own origin (behind a
 * load balancer, that is all a deployment needs). `?ws=ws://host:8081/ws,ws://host:8082/ws`
 * gives a list the client walks round-robin on every reconnect, so it survives the loss of
 * one gateway without a load balancer. The client sends its stored token to whichever
 * gateway it connects to, so a link must not be able to choose one: `?ws=` may name only
 * the page's own origin and the origins the gateway lists in `/config.json`
 * (NATTER_WEB_GATEWAYS). Anything else is ignored, and the page says so.
 */
export interface GatewayChoice {
  urls: string[];
  /** The `?ws=` entries left out. */
  ignored: string[];
}

/** `ws://host:port` of a ws(s) URL, else undefined. */
function wsOrigin(s: string): string | undefined {
  try {
    const u = new URL(s);
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

export function chooseGateways(
  param: string,
  allowed: readonly string[],
  page: { protocol: string; host: string },
): GatewayChoice {
  const here = `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}`;
  const ok = new Set([wsOrigin(here), ...allowed.map(wsOrigin)]);
  const urls: string[] = [];
  const ignored: string[] = [];
  for (const s of param.split(',').map((p) => p.trim())) {
    if (s === '') continue;
    const origin = wsOrigin(s);
    (origin !== undefined && ok.has(origin) ? urls : ignored).push(s);
  }
  return { urls: urls.length > 0 ? urls : [`${here}/ws`], ignored };
}

/**
 * The extra gateway origins this page's gateway allows. Anything but a gateway's answer
 * (a static host, the Vite dev server without a backend) allows none.
 */
export async function allowedGateways(): Promise<string[]> {
  try {
    const res = await fetch('/config.json', { cache: 'no-cache' });
    const body: unknown = res.ok ? await res.json() : undefined;
    const list = (body as { gateways?: unknown } | undefined)?.gateways;
    return Array.isArray(list) ? list.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}

/** Where the page ends up connecting, from its own address. */
export async function gatewaysOfPage(): Promise<GatewayChoice> {
  const param = new URLSearchParams(location.search).get('ws');
  // Without `?ws=` the own origin is the only choice: no need to ask the gateway.
  if (!param) return chooseGateways('', [], location);
  return chooseGateways(param, await allowedGateways(), location);
}
