// Type-checked against the installed tarball's .d.ts (moduleResolution nodenext).
import { type MessageView, NatterClient, NatterClientError, type SendResult, targetOf } from '@natter/client';

declare const socket: new (
  url: string,
) => {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: null;
  onmessage: null;
  onclose: null;
  onerror: null;
};

export async function typed(token: string): Promise<SendResult> {
  const client = new NatterClient({
    url: 'ws://localhost:8080/ws',
    WebSocket: socket,
    token: async () => token,
  });
  client.on('message', (m: MessageView) => void m.seq);
  const to = targetOf('dm:alice:bob', 'alice');
  if (!to) throw new NatterClientError('bad_request', 'no target');
  return client.send(to, { text: 'hi' });
}
