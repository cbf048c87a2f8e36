import { emit, emitEach, type SendRequest } from '@natter/contracts';
import {
  type ConvSummary,
  convOf,
  dmPeer,
  NatterError,
  type Op,
  parseSendTarget,
  parseTarget,
  type Results,
  type RoomView,
  roomConv,
} from '@natter/protocol';
import { conv, memberConv, requireMember } from './access.ts';
import { changeOps } from './change-ops.ts';
import { checkContent } from './content.ts';
import { type GatewayContext, type Handler, historyPage } from './context.ts';
import { pushOps } from './push-ops.ts';
import type { Session } from './session.ts';

/** `to` parsed; `bad_request` naming it when it is not a target. */
export function requireTarget(to: string) {
  const t = parseTarget(to);
  if (!t) throw new NatterError('bad_request', `to: ${JSON.stringify(to)} is not room:<room> or user:<user>`);
  return t;
}

export async function listConvs(
  gw: GatewayContext,
  user: string,
): Promise<{ rooms: string[]; convs: ConvSummary[] }> {
  const rooms = (await gw.lookups.roomsOf(user)).map((r) => r.room);
  return { rooms, convs: await gw.lookups.convsOf({ user, rooms, dms: true }) };
}

/** The room's latest seq and ver, batched with other joins' and hellos' lookups (a join storm into one room). */
async function roomPosition(
  gw: GatewayContext,
  user: string,
  room: string,
): Promise<{ seq: number; ver: number }> {
  const convs = await gw.lookups.convsOf({ user, rooms: [room], dms: false });
  const conv = roomConv(room);
  const c = convs.find((x) => x.conv === conv);
  return { seq: c?.seq ?? 0, ver: c?.ver ?? 0 };
}

/**
 * Joins (or creates) with the room's subject already subscribed, so nothing stored after the
 * join is missed, but nothing reaches the user's sessions before the rooms service has
 * confirmed the membership: until then the user is not a member here (Registry). Once
 * confirmed, each of the user's sessions starts at the room's `seq` after the join, and
 * whatever this gateway delivered of the room meanwhile is fetched for them as their user.
 */
async function enterRoom(
  gw: GatewayContext,
  s: Session,
  room: string,
  call: () => Promise<{ ver: number }>,
): Promise<Results['join']> {
  gw.registry.beginJoin(room);
  try {
    await gw.bus.flush();
    const { ver } = await call();
    const conv = roomConv(room);
    let at: { seq: number; ver: number };
    try {
      at = await roomPosition(gw, s.user, room);
    } finally {
      // Joined even if history could not say where the room is: deliveries start with the next one.
      gw.registry.applyMembership(s.user, room, true, ver);
    }
    for (const other of gw.registry.sessionsOfUser(s.user)) {
      const c = other.cursor(conv);
      if (c.ver === undefined) c.ver = at.ver;
      gw.ordering.admit(other, conv);
    }
    return { room, seq: at.seq };
  } finally {
    gw.registry.endJoin(room);
  }
}

const handlers: { [O in Op]: Handler<O> } = {
  async hello(_gw, s) {
    // `hello` is answered by Gateway.hello while greeting; reaching here is a second hello.
    throw new NatterError('bad_request', `op: hello was already sent on this connection (as ${s.user})`);
  },

  async refresh(gw, s, p) {
    const id = await gw.auth.verify(p.token);
    if (id.user !== s.user)
      throw new NatterError('forbidden', `token: sub ${id.user} is not this session's user`);
    s.tokenExp = id.exp;
    return {};
  },

  async ping() {
    return {};
  },

  async send(gw, s, p, rc) {
    const to = parseSendTarget(p.to);
    if (!to) {
      throw new NatterError(
        'bad_request',
        `to: ${JSON.stringify(p.to)} is not room:<room>, user:<user> or thread:<room or dm conv>:<seq> (threads do not nest)`,
      );
    }
    const attachments = checkContent(p, gw.config);
    if (to.kind === 'room') requireMember(gw, s, to.room);
    else if (to.kind === 'thread') memberConv(gw, s, to.conv);
    const req: SendRequest = {
      v: 1,
      from: s.user,
      to: p.to,
      cid: p.cid,
      text: p.text,
      attachments,
      reply: p.reply,
      origin: { gw: gw.id, session: s.id },
    };
    // A DM is appended here when this gateway can (docs/design.md, "A DM's path").
    const result =
      to.kind === 'user' && gw.messageLog
        ? await gw.messageLog.send(req, rc.trace)
        : await gw.rpc.call('msgSend', req, { trace: rc.trace });
    s.cursor(result.conv).markOwn(result.ver);
    gw.metrics.sends.inc({ kind: to.kind });
    return { conv: result.conv, seq: result.seq, mid: result.mid, ts: result.ts, ver: result.ver };
  },

  ...changeOps,

  ...pushOps,

  async history(gw, s, p, rc) {
    conv(p.conv);
    if (p.before !== undefined && p.after !== undefined) {
      throw new NatterError('bad_request', 'before: give before or after, not both');
    }
    // A page is passed on as the store wrote it (up to 200 decorated messages: parsing and
    // encoding it again was most of the gateway's cost of a page).
    return historyPage(
      gw,
      { v: 1, user: s.user, conv: p.conv, before: p.before, after: p.after, limit: p.limit ?? 50 },
      rc.trace,
    );
  },

  async join(gw, s, p, rc) {
    return enterRoom(gw, s, p.room, () =>
      gw.rpc.call('rooms.join', { v: 1, user: s.user, room: p.room }, { trace: rc.trace }),
    );
  },

  async create(gw, s, p, rc) {
    return enterRoom(gw, s, p.room, () =>
      gw.rpc.call(
        'rooms.create',
        { v: 1, user: s.user, room: p.room, private: p.private ?? false },
        { trace: rc.trace },
      ),
    );
  },

  async invite(gw, s, p, rc) {
    await gw.rpc.call(
      'rooms.invite',
      { v: 1, user: s.user, room: p.room, invitee: p.user },
      { trace: rc.trace },
    );
    return {};
  },

  // The caller's own invitations only: the rooms service is asked for `s.user`'s and no one else's.
  async invites(gw, s, _p, rc) {
    return gw.rpc.call('rooms.invites', { v: 1, user: s.user }, { trace: rc.trace });
  },

  async decline(gw, s, p, rc) {
    await gw.rpc.call('rooms.decline', { v: 1, user: s.user, room: p.room }, { trace: rc.trace });
    return {};
  },

  async leave(gw, s, p, rc) {
    const { ver } = await gw.rpc.call(
      'rooms.leave',
      { v: 1, user: s.user, room: p.room },
      { trace: rc.trace },
    );
    gw.registry.applyMembership(s.user, p.room, false, ver);
    return {};
  },

  async rooms(gw, s, p, rc) {
    const list = await gw.rpc.call(
      'rooms.list',
      { v: 1, user: s.user, public: p.public, prefix: p.prefix, limit: p.limit },
      { trace: rc.trace },
    );
    const { convs } = await gw.rpc.call(
      'historyConvs',
      { v: 1, user: s.user, rooms: list.rooms.map((r) => r.room), dms: false },
      { trace: rc.trace },
    );
    const seqs = new Map(convs.map((c) => [c.conv, c.seq]));
    const rooms: RoomView[] = list.rooms.map((r) => ({
      room: r.room,
      seq: seqs.get(roomConv(r.room)) ?? 0,
      members: r.members,
      private: r.private,
      ...(r.role ? { role: r.role } : {}),
    }));
    return { rooms };
  },

  async members(gw, s, p, rc) {
    return gw.rpc.call('rooms.members', { v: 1, user: s.user, room: p.room }, { trace: rc.trace });
  },

  async watch(gw, s, p, rc) {
    const users = [...new Set(p.users)];
    const added = users.filter((u) => !s.watching.has(u));
    if (s.watching.size + added.length > 1000) {
      throw new NatterError(
        'too_large',
        `users: a session watches at most 1000 users (${s.watching.size} already)`,
      );
    }
    for (const u of added) gw.registry.watch(s, u);
    if (users.length === 0) return { presence: [] };
    return gw.rpc.call('presenceQuery', { v: 1, users }, { trace: rc.trace });
  },

  async unwatch(gw, s, p) {
    for (const u of p.users) gw.registry.unwatch(s, u);
    return {};
  },

  async typing(gw, s, p, rc) {
    const to = requireTarget(p.to);
    const origin = { gw: gw.id, session: s.id };
    if (to.kind === 'room') {
      requireMember(gw, s, to.room);
      emit(
        gw.bus,
        gw.subjects,
        'room',
        to.room,
        { kind: 'typing', conv: roomConv(to.room), user: s.user, origin },
        rc.trace,
      );
    } else {
      // To the other user only: one's own sessions are not told that one is typing.
      if (to.user !== s.user) {
        const event = { kind: 'typing' as const, conv: convOf(s.user, to), user: s.user };
        emit(gw.bus, gw.subjects, 'user', to.user, { event, origin }, rc.trace);
      }
    }
    return {};
  },

  async read(gw, s, p, rc) {
    const c = conv(p.conv);
    const { read } = await gw.rpc.call(
      'historyRead',
      { v: 1, user: s.user, conv: p.conv, seq: p.seq },
      { trace: rc.trace },
    );
    const origin = { gw: gw.id, session: s.id };
    if (c.kind === 'room') {
      emit(
        gw.bus,
        gw.subjects,
        'room',
        c.room,
        { kind: 'read', conv: p.conv, user: s.user, seq: read, origin },
        rc.trace,
      );
    } else {
      // Both users: the other sees the receipt, one's own other sessions clear their unread.
      const event = { kind: 'read' as const, conv: p.conv, user: s.user, seq: read };
      emitEach(gw.bus, gw.subjects, 'user', new Set(c.users), { event, origin }, rc.trace);
    }
    return {};
  },

  async received(gw, s, p, rc) {
    conv(p.conv);
    const { received } = await gw.rpc.call(
      'historyReceived',
      { v: 1, user: s.user, conv: p.conv, seq: p.seq },
      { trace: rc.trace },
    );
    // Only a DM announces it, to the other user alone (a room's members ask with `receipts`).
    const peer = dmPeer(p.conv, s.user);
    if (received !== undefined && peer !== undefined && peer !== s.user) {
      const event = { kind: 'received' as const, conv: p.conv, user: s.user, seq: received };
      emit(gw.bus, gw.subjects, 'user', peer, { event, origin: { gw: gw.id, session: s.id } }, rc.trace);
    }
    return {};
  },

  async receipts(gw, s, p, rc) {
    conv(p.conv);
    return gw.rpc.call(
      'historyReceipts',
      { v: 1, user: s.user, conv: p.conv, seq: p.seq },
      { trace: rc.trace },
    );
  },
};

export function handlerFor(op: Op): Handler<Op> {
  return handlers[op] as Handler<Op>;
}
