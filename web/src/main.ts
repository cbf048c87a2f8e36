import './styles.css';
import { App } from './views/app.ts';

const STORAGE_KEY = 'natter.credentials';

/**
 * The gateways to connect to. Default: `/ws` on this page's origin (behind a load balancer,
 * that is all a deployment needs). `?ws=ws://host:8081/ws,ws://host:8082/ws` gives a list
 * the client walks round-robin on every reconnect, so it survives the loss of one gateway
 * without a load balancer. Only URLs on this page's host name are taken: a link must not
 * be able to send your token to someone else's server.
 */
function gatewayUrls(): string[] {
  const here = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const param = new URLSearchParams(location.search).get('ws');
  if (!param) return [here];
  const urls = param
    .split(',')
    .map((s) => s.trim())
    .filter((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname === location.hostname;
      } catch {
        return false;
      }
    });
  return urls.length > 0 ? urls : [here];
}

const root = document.getElementById('app')!;
new App(root, gatewayUrls(), {
  load: () => {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') ?? undefined;
    } catch {
      return undefined;
    }
  },
  save: (c) =>
    c ? localStorage.setItem(STORAGE_KEY, JSON.stringify(c)) : localStorage.removeItem(STORAGE_KEY),
}).boot();
