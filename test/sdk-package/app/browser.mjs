// Bundled by esbuild for the browser: the page's own WebSocket, no `ws`.
import { NatterClient } from '@natter/client';
import { chat } from './chat.mjs';

const params = new URLSearchParams(location.search);
chat({
  NatterClient,
  WebSocket: globalThis.WebSocket,
  url: params.get('ws'),
  token: params.get('token'),
  label: 'browser',
}).then(
  (result) => {
    window.natterResult = result;
  },
  (err) => {
    window.natterResult = { error: String(err) };
  },
);
