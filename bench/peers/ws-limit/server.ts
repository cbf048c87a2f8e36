/**
 * The raw `ws` limit: one process, no bus, no database, no validation beyond JSON.parse.
 * A client names itself and its rooms in the URL (`/ws?user=alice&rooms=a,b`);
 * `{"id":1,"op":"send","to":"user:bob"|"room:a","text":"..."}` is relayed to the target's
 * sockets (a room's once-serialized frame to every member but the sender, numbered by the
 * room's own `seq` counter) and answered `{"re":1,"result":{}}`;
 * `{"id":2,"op":"react","conv":"room:a","seq":7,"emoji":"👍"}` is relayed to every member
 * of the room but the reactor as `{"ev":"reaction","conv","seq","user","emoji","on":true}`
 * and answered the same way (nothing stored: the message is not even looked up). What this
 * does per message or reaction is the least a WebSocket chat server must do.
 */
import { type WebSocket, WebSocketServer } from 'ws';
import { peerHttpServer } from '../http.ts';

const port = Number(process.env.PORT ?? 0);

const users = new Map<string, Set<WebSocket>>();
const rooms = new Map<string, Set<WebSocket>>();
/** The last message number of each room (a chat server's seq, which a reaction names). */
const roomSeq = new Map<string, number>();

interface Op {
  id?: number;
  op?: string;
  to?: string;
  text?: string;
  conv?: string;
  seq?: number;
  emoji?: string;
}

function add(index: Map<string, Set<WebSocket>>, key: string, ws: WebSocket): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(ws);
}

function remove(index: Map<string, Set<WebSocket>>, key: string, ws: WebSocket): void {
  const set = index.get(key);
  set?.delete(ws);
  if (set?.size === 0) index.delete(key);
}

/** Sends `event` to every socket of `targets` but `from`. */
function relay(targets: Set<WebSocket> | undefined, from: WebSocket, event: Record<string, unknown>): void {
  if (!targets) return;
  // Encoded once, sent as a text frame to every target (ws would re-encode a string per send).
  const frame = Buffer.from(JSON.stringify(event));
  for (const t of targets) if (t !== from) t.send(frame, { binary: false });
}

const server = peerHttpServer();

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const user = url.searchParams.get('user') ?? '';
  const myRooms = (url.searchParams.get('rooms') ?? '').split(',').filter(Boolean);
  add(users, user, ws);
  for (const r of myRooms) add(rooms, r, ws);
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as Op;
    if (f.op === 'send' && typeof f.to === 'string') {
      const [kind, name] = f.to.split(':');
      const room = kind === 'room';
      // A DM has no seq here (undefined leaves the field out of the frame).
      const seq = room ? (roomSeq.get(name) ?? 0) + 1 : undefined;
      if (seq !== undefined) roomSeq.set(name, seq);
      relay(room ? rooms.get(name) : users.get(name), ws, {
        ev: 'message',
        conv: f.to,
        seq,
        from: user,
        text: f.text,
      });
    } else if (
      f.op === 'react' &&
      typeof f.conv === 'string' &&
      f.conv.startsWith('room:') &&
      typeof f.seq === 'number'
    ) {
      relay(rooms.get(f.conv.slice(5)), ws, {
        ev: 'reaction',
        conv: f.conv,
        seq: f.seq,
        user,
        emoji: f.emoji,
        on: true,
      });
    } else {
      ws.send(JSON.stringify({ re: f.id, error: 'bad_request' }));
      return;
    }
    ws.send(JSON.stringify({ re: f.id, result: {} }));
  });
  ws.on('close', () => {
    remove(users, user, ws);
    for (const r of myRooms) remove(rooms, r, ws);
  });
  ws.on('error', () => undefined);
});

server.listen(port, () => {
  const address = server.address();
  process.stdout.write(
    `ws-limit listening on ${typeof address === 'object' && address ? address.port : port}\n`,
  );
});
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
