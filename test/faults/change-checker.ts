/**
 * The fault suite's proof for changes of messages (protocol 1.1): every acknowledged edit
 * and reaction is in history exactly once. Pure, like checker.ts: the runner collects what
 * the clients' outboxes acknowledged and what history holds now; this counts.
 */

/** A message as history holds it now, with what changes leave on it. */
export interface ChangedMessage {
  conv: string;
  seq: number;
  ver?: number;
  text?: string;
  deleted?: string;
  reactions?: { emoji: string; count: number; users: string[] }[];
}

/** A change the system acknowledged (the outbox resolved it), in the order its client made them. */
export type AckedChange =
  | { op: 'edit'; user: string; conv: string; seq: number; text: string; ver: number; issuedAt: number }
  | { op: 'react'; user: string; conv: string; seq: number; emoji: string; ver: number; issuedAt: number };

export interface ChangeCheck {
  /** Acknowledged changes checked. */
  changes: number;
  /** Acknowledged changes that history does not show as made, or shows more than once. */
  wrong: number;
  problems: string[];
}

const MAX_PROBLEMS = 20;

/**
 * An edit: the message shows the text of the last acknowledged edit of it (edits of one
 * message come from its author's outbox, in order) and a `ver` at least that edit's; when
 * every change of the message was acknowledged, exactly the newest one's `ver`. A
 * reaction: its user is listed once under its emoji, and the emoji's count is its users
 * (the load never takes one back, and stays under the 20 users listed).
 */
export function checkChanges(acked: AckedChange[], history: Map<string, ChangedMessage[]>): ChangeCheck {
  const r: ChangeCheck = { changes: acked.length, wrong: 0, problems: [] };
  const wrong = (p: string) => {
    r.wrong += 1;
    if (r.problems.length < MAX_PROBLEMS) r.problems.push(p);
  };
  const byMessage = new Map<string, AckedChange[]>();
  for (const c of acked) {
    const k = `${c.conv}#${c.seq}`;
    byMessage.set(k, [...(byMessage.get(k) ?? []), c]);
  }
  const index = new Map<string, ChangedMessage>();
  for (const [conv, msgs] of history) for (const m of msgs) index.set(`${conv}#${m.seq}`, m);

  for (const [k, changes] of byMessage) {
    const m = index.get(k);
    if (!m || m.deleted) {
      for (const c of changes)
        wrong(`${c.op} by ${c.user} of ${k}: the message is ${m ? 'deleted' : 'missing'}`);
      continue;
    }
    const edits = changes.filter((c) => c.op === 'edit').sort((a, b) => a.issuedAt - b.issuedAt);
    const last = edits.at(-1);
    if (last && m.text !== last.text) {
      wrong(
        `edit of ${k}: history has ${JSON.stringify(m.text)}, the last acknowledged edit ${JSON.stringify(last.text)}`,
      );
    }
    const newest = Math.max(...changes.map((c) => c.ver));
    if ((m.ver ?? 0) < newest)
      wrong(`${k}: history's ver ${m.ver} is below an acknowledged change's ${newest}`);
    for (const c of changes) {
      if (c.op !== 'react') continue;
      const e = m.reactions?.find((x) => x.emoji === c.emoji);
      const times = e?.users.filter((u) => u === c.user).length ?? 0;
      if (times !== 1) wrong(`react ${c.emoji} by ${c.user} on ${k}: listed ${times} times`);
      else if (e && e.count !== e.users.length) {
        wrong(`react ${c.emoji} on ${k}: count ${e.count} but ${e.users.length} users listed`);
      }
    }
  }
  return r;
}

/**
 * The message's ver is exactly that of its newest change when every change made to it was
 * acknowledged (none failed or was left without a result): a change applied twice would
 * have taken a second ver.
 */
export function checkExactVers(
  acked: AckedChange[],
  unsettled: Set<string>,
  history: Map<string, ChangedMessage[]>,
): ChangeCheck {
  const r: ChangeCheck = { changes: 0, wrong: 0, problems: [] };
  const newest = new Map<string, number>();
  for (const c of acked) {
    const k = `${c.conv}#${c.seq}`;
    newest.set(k, Math.max(newest.get(k) ?? 0, c.ver));
  }
  for (const [conv, msgs] of history) {
    for (const m of msgs) {
      const k = `${conv}#${m.seq}`;
      const ver = newest.get(k);
      if (ver === undefined || unsettled.has(k) || m.deleted) continue;
      r.changes += 1;
      if ((m.ver ?? 0) !== ver) {
        r.wrong += 1;
        if (r.problems.length < MAX_PROBLEMS) {
          r.problems.push(
            `${k}: ver ${m.ver}, but its newest acknowledged change took ${ver} (a change applied twice?)`,
          );
        }
      }
    }
  }
  return r;
}
