/**
 * The proof of DESIGN.md promises 1-4 after faults, from what clients got as results and
 * what they received, against history. Pure: the runner collects the facts, this counts.
 */

/** A message as history holds it. */
export interface HistoryMessage {
  conv: string;
  seq: number;
  mid: string;
  from: string;
  cid?: string;
  /** What changes leave on it (protocol 1.1), for the change checker. */
  ver?: number;
  text?: string;
  deleted?: string;
  reactions?: { emoji: string; count: number; users: string[] }[];
}

/** A send that got a result: the system promised it is stored. */
export interface Acked {
  user: string;
  cid: string;
  conv: string;
  seq: number;
  mid: string;
}

/** A client that stayed subscribed (through the SDK's reconnects) to `convs`. */
export interface Receiver {
  user: string;
  convs: string[];
  /** What the app was handed, per conversation, in order. */
  received: Map<string, { seq: number; mid: string; from: string }[]>;
  /** Raw frames that came out of seq order on one connection. */
  orderViolations: number;
}

export interface CheckInput {
  acked: Acked[];
  /** Every message of every conversation involved, oldest first. */
  history: Map<string, HistoryMessage[]>;
  receivers: Receiver[];
  /** Only seqs above this count, per conversation (the window under test); 0 when absent. */
  after?: Map<string, number>;
}

export interface CheckResult {
  acknowledged: number;
  /** Messages handed to subscribed clients in the window (what the delivery checks looked at). */
  delivered: number;
  /** Acknowledged sends missing from history (or there with another mid or sender). */
  lost: number;
  /** History rows that repeat a mid, a (sender, cid) or a seq. */
  duplicatedInHistory: number;
  /** Missing seqs in a conversation's history (1..last must all be there). */
  seqGaps: number;
  /** Messages a subscribed client should have been handed and was not. */
  undelivered: number;
  /** Messages handed to the app twice, or its own sends handed back. */
  duplicateDeliveries: number;
  /** Deliveries against seq order: on one connection's raw frames, or in what the app was handed. */
  outOfOrder: number;
  /** The first problems found, in words, for the report. */
  problems: string[];
}

const MAX_PROBLEMS = 20;

export function check(input: CheckInput): CheckResult {
  const r: CheckResult = {
    acknowledged: input.acked.length,
    delivered: 0,
    lost: 0,
    duplicatedInHistory: 0,
    seqGaps: 0,
    undelivered: 0,
    duplicateDeliveries: 0,
    outOfOrder: 0,
    problems: [],
  };
  const problem = (p: string) => {
    if (r.problems.length < MAX_PROBLEMS) r.problems.push(p);
  };
  const floor = (conv: string) => input.after?.get(conv) ?? 0;

  // History: gap-free seqs from 1, no repeated mid / (sender, cid) / seq.
  const bySeq = new Map<string, Map<number, HistoryMessage>>();
  for (const [conv, msgs] of input.history) {
    const seqs = new Map<number, HistoryMessage>();
    const mids = new Set<string>();
    const cids = new Set<string>();
    for (const m of msgs) {
      const key = `${m.from}\u0000${m.cid ?? m.mid}`;
      if (seqs.has(m.seq) || mids.has(m.mid) || cids.has(key)) {
        r.duplicatedInHistory++;
        problem(`history ${conv}: seq ${m.seq} (${m.mid}, ${m.from}/${m.cid}) repeats an earlier row`);
      }
      seqs.set(m.seq, m);
      mids.add(m.mid);
      cids.add(key);
    }
    const last = Math.max(0, ...seqs.keys());
    for (let seq = 1; seq <= last; seq++) {
      if (!seqs.has(seq)) {
        r.seqGaps++;
        problem(`history ${conv}: seq ${seq} missing (last ${last})`);
      }
    }
    bySeq.set(conv, seqs);
  }

  // Promise 1: every acknowledged send is in history, where its result said.
  for (const a of input.acked) {
    const m = bySeq.get(a.conv)?.get(a.seq);
    if (!m || m.mid !== a.mid || m.from !== a.user) {
      r.lost++;
      problem(
        `lost: ${a.user}/${a.cid} acknowledged as ${a.conv}#${a.seq} (${a.mid}) but history has ${m ? `${m.mid} from ${m.from}` : 'nothing'}`,
      );
    }
  }

  // Promises 3-4: each receiver got every message of its conversations from others, once, in order.
  for (const rc of input.receivers) {
    r.outOfOrder += rc.orderViolations;
    if (rc.orderViolations > 0) problem(`${rc.user}: ${rc.orderViolations} raw frame(s) out of seq order`);
    for (const conv of rc.convs) {
      const from = floor(conv);
      const got = (rc.received.get(conv) ?? []).filter((m) => m.seq > from);
      r.delivered += got.length;
      const seen = new Set<number>();
      let prev = from;
      for (const m of got) {
        if (seen.has(m.seq) || m.from === rc.user) {
          r.duplicateDeliveries++;
          problem(
            `${rc.user}: ${conv}#${m.seq} ${m.from === rc.user ? 'is its own send, handed back' : 'handed twice'}`,
          );
        } else if (m.seq < prev) {
          r.outOfOrder++;
          problem(`${rc.user}: ${conv}#${m.seq} handed after #${prev}`);
        }
        seen.add(m.seq);
        prev = Math.max(prev, m.seq);
      }
      for (const m of bySeq.get(conv)?.values() ?? []) {
        if (m.seq > from && m.from !== rc.user && !seen.has(m.seq)) {
          r.undelivered++;
          problem(`${rc.user}: never got ${conv}#${m.seq} from ${m.from}`);
        }
      }
    }
  }
  return r;
}

/** True when nothing was lost, duplicated or out of order. */
export function clean(r: CheckResult): boolean {
  return (
    r.lost === 0 &&
    r.duplicatedInHistory === 0 &&
    r.seqGaps === 0 &&
    r.undelivered === 0 &&
    r.duplicateDeliveries === 0 &&
    r.outOfOrder === 0
  );
}
