import type { Chat } from './chat.ts';

/** What my own DM message shows of the other user's markers: nothing yet, one tick, two. */
export type Tick = 'sent' | 'delivered' | 'seen';

/**
 * The other user's markers of each DM (protocol 1.1 "Receipts"): they start from the
 * hello's `peer` entries (after a reconnect too: the hello has the current ones) and move
 * with `received` and `read` events. Markers never move back, so each is a max.
 */
export function followPeerMarkers(chat: Chat): void {
  const client = chat.client;
  const bump = (conv: string, user: string, seq: number, read: boolean) => {
    if (user === chat.me || !conv.startsWith('dm:')) return;
    const c = chat.conv(conv);
    const before = `${c.peerReceived}/${c.peerRead}`;
    c.peerReceived = Math.max(c.peerReceived, seq); // a read implies received
    if (read) c.peerRead = Math.max(c.peerRead, seq);
    if (`${c.peerReceived}/${c.peerRead}` !== before) chat.emit({ what: 'conv', conv });
  };
  client.on('hello', (h) => {
    for (const s of h.convs) {
      if (!s.peer) continue;
      bump(s.conv, '', s.peer.received, false);
      bump(s.conv, '', s.peer.read, true);
    }
  });
  client.on('received', ({ conv, user, seq }) => bump(conv, user, seq, false));
  client.on('read', ({ conv, user, seq }) => bump(conv, user, seq, true));
}

/** The tick of my own message `seq` in a DM whose peer has `received` and `read` up to those seqs. */
export function tickOf(seq: number, received: number, read: number): Tick {
  return seq <= read ? 'seen' : seq <= received ? 'delivered' : 'sent';
}
