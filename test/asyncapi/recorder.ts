import { type Frame, RawClient } from '../helpers/ws-client.ts';

/** Every frame one connection sent and received, in order, as parsed JSON. */
export interface Recording {
  name: string;
  client: RawClient;
  sent: Frame[];
  /** The frames it received: the RawClient's own list. */
  received: Frame[];
}

/** Opens a connection that records what it sends (RawClient records what it receives). */
export async function recordedClient(url: string, name: string, into: Recording[]): Promise<RawClient> {
  const client = await RawClient.connect(url);
  const sent: Frame[] = [];
  const send = client.ws.send.bind(client.ws) as (data: unknown, ...rest: unknown[]) => void;
  (client.ws as { send: unknown }).send = (data: unknown, ...rest: unknown[]) => {
    sent.push(JSON.parse(String(data)) as Frame);
    send(data, ...rest);
  };
  into.push({ name, client, sent, received: client.frames });
  return client;
}

/** `hello` on a recorded connection; waits for `synced`. */
export async function helloRecorded(
  url: string,
  name: string,
  into: Recording[],
  params: Record<string, unknown>,
): Promise<RawClient> {
  const client = await recordedClient(url, name, into);
  await client.ok('hello', params);
  await client.waitEvent((f) => f.ev === 'synced');
  return client;
}
