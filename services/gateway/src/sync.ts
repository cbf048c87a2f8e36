import {
  type ConvSummary,
  HISTORY_PAGE,
  type MessageView,
  REPLAY_CHANGES,
  type ServerEvent,
  type Since,
} from '@natter/protocol';
import type { GatewayContext } from './context.ts';
import type { Session } from './session.ts';

/**
 * Answers `hello`'s `since`: for each listed conversation the client is behind on, pushes
 * what it missed, and sets the session's cursor to what it now has. The session is still
 * `syncing`, so live deliveries wait in its pending list and go out after this, through
 * the cursor (which drops what the replay already covered).
 *
 * - `since` a number (version 1): the missing messages in seq order, at most
 *   `replayPerConv`, with a `gap` event for the older rest.
 * - `since` `{seq, ver}` (1.1): the same messages, and an `update` or `delete` for each
 *   message at or below `seq` whose state changed after `ver`, all in ver order; past
 *   REPLAY_CHANGES changed messages, one `refetch` instead.
 */
export async function replaySince(
  gw: GatewayContext,
  s: Session,
  since: Record<string, Since>,
  convs: ConvSummary[],
  trace: string,
  replayPerConv: number,
): Promise<void> {
  for (const c of convs) {
    const have = since[c.conv];
    let reached = c.ver;
    if (typeof have === 'number') {
      if (have < c.seq && s.open) await replayMessages(gw, s, c, have, trace, replayPerConv);
    } else if (have !== undefined && (have.ver < c.ver || have.seq < c.seq) && s.open) {
      reached = await replayChanges(gw, s, c, have, trace, replayPerConv);
    }
    s.cursor(c.conv).reach(reached);
  }
}

/** Version 1: the messages after `have`, in seq order (their current state). */
async function replayMessages(
  gw: GatewayContext,
  s: Session,
  c: ConvSummary,
  have: number,
  trace: string,
  replayPerConv: number,
): Promise<void> {
  let from = have;
  if (c.seq - have > replayPerConv) {
    from = c.seq - replayPerConv;
    s.event({ ev: 'gap', conv: c.conv, after: have, before: from + 1 });
  }
  while (from < c.seq && s.open) {
    const r = await gw.rpc.call(
      'historyQuery',
      { v: 1, user: s.user, conv: c.conv, after: from, limit: Math.min(HISTORY_PAGE.max, c.seq - from) },
      { trace },
    );
    const page: MessageView[] = r.messages;
    if (page.length === 0) break;
    for (const m of page) if (m.seq <= c.seq) s.event({ ev: 'message', ...m });
    from = page[page.length - 1].seq;
  }
}

/**
 * 1.1: everything of the conversation whose ver is above `have.ver`, limited to the
 * messages at or below `have.seq` (their changes) and the newest `replayPerConv` above it
 * (new to the client), read page by page in ver order, to the end. Buffered until the count
 * of changed messages is known, so that past REPLAY_CHANGES the client gets one `refetch`
 * and nothing else. Sent as: the changes of messages the client has, in ver order, then the
 * new messages in seq order (each in its current state). Messages go in seq order because
 * a client takes a message only above the highest seq it has: in ver order, a new message
 * edited since (its ver now high) would come after a later one and be dropped as old (the
 * fault suite's gateway kill with edits in the load showed it). The changes go first, so
 * a new message's high ver cannot make a client skip an older change as already applied.
 * Resolves with the ver the client now has.
 */
async function replayChanges(
  gw: GatewayContext,
  s: Session,
  c: ConvSummary,
  have: { seq: number; ver: number },
  trace: string,
  replayPerConv: number,
): Promise<number> {
  const events: ServerEvent[] = [];
  const fresh: MessageView[] = [];
  let newAfter = have.seq;
  if (c.seq - have.seq > replayPerConv) {
    newAfter = c.seq - replayPerConv;
    events.push({ ev: 'gap', conv: c.conv, after: have.seq, before: newAfter + 1 });
  }
  let changed = 0;
  let after = have.ver;
  for (;;) {
    const page = await gw.rpc.call(
      'historyChanges',
      { v: 1, user: s.user, conv: c.conv, after, maxSeq: have.seq, newAfter },
      { trace },
    );
    for (const { msg } of page.changes) {
      if (msg.ver <= after) continue;
      if (msg.seq > have.seq) {
        fresh.push(msg);
        continue;
      }
      if (++changed > REPLAY_CHANGES) {
        s.event({ ev: 'refetch', conv: c.conv, ver: Math.max(c.ver, page.ver) });
        return c.ver;
      }
      const at = { conv: msg.conv, seq: msg.seq, ver: msg.ver };
      events.push(msg.deleted ? { ev: 'delete', ...at } : { ev: 'update', ...at, message: msg });
    }
    const last = page.changes.at(-1)?.msg.ver;
    if (!page.more || last === undefined || last <= after) {
      for (const e of events) s.event(e);
      fresh.sort((a, b) => a.seq - b.seq);
      for (const m of fresh) s.event({ ev: 'message', ...m });
      return Math.max(c.ver, page.ver, last ?? 0);
    }
    after = last;
  }
}
