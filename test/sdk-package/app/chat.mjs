// The program each way runs: join a room, send one message, print the result. It takes
// the SDK as an argument so that the ESM, CommonJS and browser entries share it.
export async function chat({ NatterClient, WebSocket, url, token, label }) {
  const client = new NatterClient({
    url,
    WebSocket,
    // The token hook: an app would fetch this from its backend (docs/auth.md).
    token: async () => token,
    device: label,
  });
  await client.connect({ timeoutMs: 10_000 });
  await client.join('sdk');
  const sent = await client.send('room:sdk', { text: `hello from ${label}` });
  const { messages } = await client.history('room:sdk', { after: sent.seq - 1, limit: 1 });
  client.close();
  return { user: client.user, seq: sent.seq, stored: messages[0]?.text };
}
