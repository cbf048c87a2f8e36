import type { Target } from '../lib/ipc.ts';
import { NatsClient } from './nats.ts';
import { NatterClient } from './natter.ts';
import { SocketIoClient } from './socketio.ts';
import type { ChatClient, ConnectOptions } from './types.ts';
import { WsLimitClient } from './ws-limit.ts';

export { closeNats } from './nats.ts';
export type { ChatClient } from './types.ts';

export function connectClient(kind: Target['kind'], o: ConnectOptions): Promise<ChatClient> {
  switch (kind) {
    case 'natter':
      return NatterClient.connect(o);
    case 'socketio':
      return SocketIoClient.connect(o);
    case 'ws':
      return WsLimitClient.connect(o);
    case 'nats':
      return NatsClient.connect(o);
  }
}
