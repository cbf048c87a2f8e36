const { NatterClient } = require('@natter/client');
const WebSocket = require('ws');

import('./chat.mjs')
  .then(({ chat }) =>
    chat({
      NatterClient,
      WebSocket,
      url: process.env.NATTER_URL,
      token: process.env.NATTER_TOKEN,
      label: 'node-cjs',
    }),
  )
  .then(
    (result) => console.log(JSON.stringify(result)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
