/**
 * The raw `ws` limit: one process, no bus, no database, no validation beyond JSON.parse.
 * A client names itself and its rooms in the URL (`/ws?user=alice&rooms=a,b`);
 * `{"id":1,"op":"send","to":"user:bob"|"room:a","text":"..."}` is relayed to the target's
 * sockets (a room's once-serialized frame to every member but the sender) and answered
 * `{"re":1}`. What this does per message is the least any WebSocket chat server must do.
 */
import { type WebSocket, WebSocketServer } from 'ws';
import { peerHttpServer } from '../http.ts';

const port = Number(process.env.PORT ?? 0);

const users = new Map<string, Set<WebSocket>>();
const rooms = new Map<string, Set<WebSocket>>();

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

const server = peerHttpServer();

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const user = url.searchParams.get('user') ?? '';
  const myRooms = (url.searchParams.get('rooms') ?? '').split(',').filter(Boolean);
  add(users, user, ws);
  for (const r of myRooms) add(rooms, r, ws);
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as { id?: number; op?: string; to?: string; text?: string };
    if (f.op !== 'send' || typeof f.to !== 'string') {
      ws.send(JSON.stringify({ re: f.id, error: 'bad_request' }));
      return;
    }
    const [kind, name] = f.to.split(':');
    // Encoded once, sent as a text frame to every target (ws would re-encode a string per send).
    const frame = Buffer.from(JSON.stringify({ ev: 'message', conv: f.to, from: user, text: f.text }));
    const targets = kind === 'room' ? rooms.get(name) : users.get(name);
    if (targets) for (const t of targets) if (t !== ws) t.send(frame, { binary: false });
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
