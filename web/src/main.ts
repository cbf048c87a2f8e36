import './styles.css';
import { h } from './dom.ts';
import { type GatewayChoice, gatewaysOfPage } from './gateways.ts';
import { icon } from './icons.ts';
import { App } from './views/app.ts';

const STORAGE_KEY = 'natter.credentials';

/** Says which `?ws=` entries were left out, above whatever screen is showing, until closed. */
function showIgnored(ignored: string[]): void {
  if (ignored.length === 0) return;
  const notice = h(
    'div',
    { class: 'notice', attrs: { role: 'alert' } },
    h('div', null, ...ignored.map((s) => h('div', null, `Ignored ?ws=${s}: not an allowed gateway`))),
    h(
      'button',
      { attrs: { type: 'button', 'aria-label': 'Close' }, on: { click: () => notice.remove() } },
      icon('close', 16),
    ),
  );
  document.body.prepend(notice);
}

function boot(choice: GatewayChoice): void {
  showIgnored(choice.ignored);
  const root = document.getElementById('app')!;
  new App(root, choice.urls, {
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
}

void gatewaysOfPage().then(boot);
