import { NatterClient } from '@natter/client';
import WebSocket from 'ws';
import { chat } from './chat.mjs';

const result = await chat({
  NatterClient,
  WebSocket,
  url: process.env.NATTER_URL,
  token: process.env.NATTER_TOKEN,
  label: 'node-esm',
});
console.log(JSON.stringify(result));
