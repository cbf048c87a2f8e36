/**
 * The peer: a chat server as a Socket.IO 4 user would write it. Several nodes share
 * broadcasts through @socket.io/redis-adapter; every message is stored in Postgres (one
 * INSERT, its own table) before the sender's ack, like Natter's `send`. A user's sockets
 * are in room `u:<user>`, a chat room's members in `r:<room>`; membership is read from the
 * database at connect. Events:
 *   send    {to: "user:bob"|"room:x", text, cid}  -> ack {result: {conv, id, ts}} | {error}
 *   join    {room}                                  -> ack {result: {}}
 *   history {conv, before?, limit?}                 -> ack {result: {messages, count}}
 *   reaction {conv: "room:x", id, emoji}            -> ack {result: {}} (stored, then `reaction`
 *                                                      {conv, id, user, emoji} to the room's other sockets)
 * and the server emits `ready` once a socket is in its rooms, `message` for each delivery.
 * Config from the environment: PORT, REDIS_URL, DATABASE_URL.
 */
import { readFileSync } from 'node:fs';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import { peerHttpServer } from '../http.ts';

const port = Number(process.env.PORT ?? 3000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const pubClient = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const subClient = pubClient.duplicate();

const USER = /^[A-Za-z0-9_.-]{1,64}$/;
const ROOM = /^[a-z0-9][a-z0-9_-]{0,63}$/;

type Ack = (reply: { result?: unknown; error?: { code: string; message: string } }) => void;
const fail = (ack: Ack, code: string, message: string) => ack({ error: { code, message } });

function dmConv(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

async function migrate(): Promise<void> {
  const client = await pool.connect();
  try {
    // Both nodes start together; the lock keeps their CREATE ... IF NOT EXISTS apart.
    await client.query('SELECT pg_advisory_lock(7001)');
    await client.query(readFileSync(new URL('./schema.sql', import.meta.url), 'utf8'));
  } finally {
    await client.query('SELECT pg_advisory_unlock(7001)').catch(() => undefined);
    client.release();
  }
}

function onConnection(io: Server, socket: Socket): void {
  const user = socket.data.user as string;

  socket.on('send', async (p: { to?: unknown; text?: unknown; cid?: unknown }, ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (typeof p?.to !== 'string' || typeof p.text !== 'string' || typeof p.cid !== 'string') {
      return fail(ack, 'bad_request', 'to, text and cid are required');
    }
    if (p.text.length > 4000) return fail(ack, 'too_large', 'text is over 4000 characters');
    let conv: string;
    let rooms: string[];
    if (p.to.startsWith('user:') && USER.test(p.to.slice(5))) {
      const other = p.to.slice(5);
      conv = dmConv(user, other);
      rooms = [`u:${other}`, `u:${user}`];
    } else if (p.to.startsWith('room:') && socket.rooms.has(`r:${p.to.slice(5)}`)) {
      conv = p.to;
      rooms = [`r:${p.to.slice(5)}`];
    } else {
      return fail(ack, 'forbidden', `cannot send to ${p.to}`);
    }
    try {
      const { rows } = await pool.query<{ id: string; ts: Date }>(
        'INSERT INTO peer_messages (conv, sender, cid, text) VALUES ($1, $2, $3, $4) RETURNING id, ts',
        [conv, user, p.cid, p.text],
      );
      const { id, ts } = rows[0];
      // socket.to(): every socket in those rooms on every node, except this one.
      socket.to(rooms).emit('message', { conv, id, from: user, ts, text: p.text, cid: p.cid });
      ack({ result: { conv, id, ts } });
    } catch {
      fail(ack, 'unavailable', 'could not store the message');
    }
  });

  socket.on('reaction', async (p: { conv?: unknown; id?: unknown; emoji?: unknown }, ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (typeof p?.conv !== 'string' || !Number.isSafeInteger(p.id) || typeof p.emoji !== 'string') {
      return fail(ack, 'bad_request', 'conv, id and emoji are required');
    }
    if (p.emoji.length > 32) return fail(ack, 'too_large', 'emoji is over 32 characters');
    const room = `r:${p.conv.slice(5)}`;
    if (!p.conv.startsWith('room:') || !socket.rooms.has(room)) {
      return fail(ack, 'forbidden', `cannot react in ${p.conv}`);
    }
    try {
      // The message must be this room's (one indexed probe, as the INSERT's own check).
      const { rowCount } = await pool.query(
        `INSERT INTO peer_reactions (message_id, "user", emoji)
         SELECT id, $3, $4 FROM peer_messages WHERE id = $1 AND conv = $2
         ON CONFLICT DO NOTHING`,
        [p.id, p.conv, user, p.emoji],
      );
      if (rowCount) socket.to(room).emit('reaction', { conv: p.conv, id: p.id, user, emoji: p.emoji });
      ack({ result: {} });
    } catch {
      fail(ack, 'unavailable', 'could not store the reaction');
    }
  });

  socket.on('join', async (p: { room?: unknown }, ack: Ack) => {
    if (typeof ack !== 'function') return;
    if (typeof p?.room !== 'string' || !ROOM.test(p.room)) return fail(ack, 'bad_request', 'room is invalid');
    try {
      await pool.query('INSERT INTO peer_members (room, "user") VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        p.room,
        user,
      ]);
      // Every socket of this user, on any node, joins too.
      io.in(`u:${user}`).socketsJoin(`r:${p.room}`);
      ack({ result: {} });
    } catch {
      fail(ack, 'unavailable', 'could not join');
    }
  });

  socket.on('history', async (p: { conv?: unknown; before?: unknown; limit?: unknown }, ack: Ack) => {
    if (typeof ack !== 'function') return;
    const conv = p?.conv;
    if (typeof conv !== 'string') return fail(ack, 'bad_request', 'conv is required');
    const allowed = conv.startsWith('dm:')
      ? conv.slice(3).split(':').includes(user)
      : socket.rooms.has(`r:${conv.slice(5)}`);
    if (!allowed) return fail(ack, 'forbidden', 'not a member');
    const limit = typeof p.limit === 'number' ? Math.min(200, Math.max(1, Math.floor(p.limit))) : 50;
    const before = typeof p.before === 'number' ? p.before : Number.MAX_SAFE_INTEGER;
    try {
      const { rows } = await pool.query(
        'SELECT id, sender, cid, text, ts FROM peer_messages WHERE conv = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
        [conv, before, limit],
      );
      ack({ result: { messages: rows.reverse(), count: rows.length } });
    } catch {
      fail(ack, 'unavailable', 'could not read history');
    }
  });
}

async function main(): Promise<void> {
  await migrate();
  const httpServer = peerHttpServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(pubClient, subClient),
    perMessageDeflate: false,
  });

  io.use((socket, next) => {
    const user = (socket.handshake.auth as { user?: unknown }).user;
    if (typeof user !== 'string' || !USER.test(user)) return next(new Error('unauthenticated'));
    socket.data.user = user;
    next();
  });

  io.on('connection', async (socket) => {
    onConnection(io, socket);
    const user = socket.data.user as string;
    try {
      const { rows } = await pool.query<{ room: string }>('SELECT room FROM peer_members WHERE "user" = $1', [
        user,
      ]);
      socket.join([`u:${user}`, ...rows.map((r) => `r:${r.room}`)]);
      socket.emit('ready');
    } catch {
      socket.disconnect(true);
    }
  });

  httpServer.listen(port, () => process.stdout.write(`socket.io peer listening on ${port}\n`));
  process.on('SIGTERM', () => {
    io.close(() => {
      void Promise.allSettled([pool.end(), pubClient.quit(), subClient.quit()]).then(() => process.exit(0));
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`socket.io peer failed to start: ${String(err)}\n`);
  process.exit(1);
});
