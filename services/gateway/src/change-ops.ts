import type { ChangeOp, ChangeReply } from '@natter/contracts';
import type { DeleteResult, Op } from '@natter/protocol';
import { checkText } from '@natter/protocol/schemas';
import { memberConv } from './access.ts';
import type { GatewayContext, Handler, RequestContext } from './context.ts';
import type { Session } from './session.ts';

/**
 * One change (PROTOCOL 1.1 "Message lifecycle"): answered after history's commit. The
 * session does not get its own change back: it has the answer (like its own `send`).
 */
async function change(
  gw: GatewayContext,
  s: Session,
  p: { conv: string; seq: number },
  op: ChangeOp,
  rc: RequestContext,
): Promise<ChangeReply> {
  memberConv(gw, s, p.conv);
  const reply = await gw.rpc.call(
    'historyChange',
    { v: 1, user: s.user, conv: p.conv, seq: p.seq, origin: { gw: gw.id, session: s.id }, ...op },
    { trace: rc.trace },
  );
  if (reply.changed) s.cursor(p.conv).markOwn(reply.ver);
  return reply;
}

/**
 * `{"ver"}`, with `"changed":false` when the request changed nothing: its `ver` is then the
 * conversation's current one, which may be someone else's change still on its way to this
 * session, so a client must not take it for its own (docs/protocol.md, "Reactions").
 */
function verResult(r: ChangeReply): { ver: number; changed?: false } {
  return r.changed ? { ver: r.ver } : { ver: r.ver, changed: false };
}

export const changeOps: {
  [O in Extract<Op, 'edit' | 'delete' | 'react' | 'unreact' | 'pin' | 'unpin' | 'pins'>]: Handler<O>;
} = {
  async edit(gw, s, p, rc) {
    // Blank text is refused by history unless the message has attachments.
    checkText(p.text, gw.config.maxTextChars, true);
    const r = await change(gw, s, p, { op: 'edit', text: p.text }, rc);
    return { conv: p.conv, seq: p.seq, ver: r.ver, edited: r.edited ?? '' };
  },

  async delete(gw, s, p, rc) {
    const r = await change(gw, s, p, { op: 'delete' }, rc);
    const already: DeleteResult = {};
    return r.gone ? already : { conv: p.conv, seq: p.seq, ver: r.ver };
  },

  async react(gw, s, p, rc) {
    return verResult(await change(gw, s, p, { op: 'react', emoji: p.emoji }, rc));
  },

  async unreact(gw, s, p, rc) {
    return verResult(await change(gw, s, p, { op: 'unreact', emoji: p.emoji }, rc));
  },

  async pin(gw, s, p, rc) {
    return verResult(await change(gw, s, p, { op: 'pin' }, rc));
  },

  async unpin(gw, s, p, rc) {
    return verResult(await change(gw, s, p, { op: 'unpin' }, rc));
  },

  async pins(gw, s, p, rc) {
    memberConv(gw, s, p.conv);
    return gw.rpc.call('historyPins', { v: 1, user: s.user, conv: p.conv }, { trace: rc.trace });
  },
};
