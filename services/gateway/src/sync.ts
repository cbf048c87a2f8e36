import { type ConvSummary, HISTORY_PAGE, type MessageView } from '@natter/protocol';
import type { GatewayContext } from './context.ts';
import type { Session } from './session.ts';

/**
 * Answers `hello`'s `since`: for each listed conversation the client is behind on, pushes
 * the missing messages in seq order, at most `replayPerConv` of them, with a `gap` event
 * for the older rest. Sets the session's cursors to what it now has. The session is still
 * `syncing`, so live messages wait in its pending list and go out after this, deduped.
 */
export async function replaySince(
  gw: GatewayContext,
  s: Session,
  since: Record<string, number>,
  convs: ConvSummary[],
  trace: string,
  replayPerConv: number,
): Promise<void> {
  for (const c of convs) {
    const have = since[c.conv];
    if (have !== undefined && have < c.seq && s.open) {
      let from = have;
      if (c.seq - have > replayPerConv) {
        from = c.seq - replayPerConv;
        s.event({ ev: 'gap', conv: c.conv, after: have, before: from + 1 });
      }
      while (from < c.seq && s.open) {
        const page = await fetchAfter(
          gw,
          s.user,
          c.conv,
          from,
          Math.min(HISTORY_PAGE.max, c.seq - from),
          trace,
        );
        if (page.length === 0) break;
        for (const m of page) if (m.seq <= c.seq) s.event({ ev: 'message', ...m });
        from = page[page.length - 1].seq;
      }
    }
    s.cursor(c.conv).reach(c.seq);
  }
}

async function fetchAfter(
  gw: GatewayContext,
  user: string,
  conv: string,
  after: number,
  limit: number,
  trace: string,
): Promise<MessageView[]> {
  const r = await gw.rpc.call('historyQuery', { v: 1, user, conv, after, limit }, { trace });
  return r.messages;
}
