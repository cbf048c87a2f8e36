/**
 * The worker's side of the `reactions` scenario: every client of the worker counts the
 * round's messages; its reactors react to each at a random moment within `spreadMs` (people
 * do not all react in the same millisecond; 0: at once); every client records when each
 * reaction event arrived. A reaction's send time is known only to the worker of its reactor,
 * so receipts are kept (per message and reactor) and joined at the end with the send times
 * the coordinator gathered from every worker (all processes share one clock).
 */
import type { ChatClient } from '../clients/index.ts';
import { encode, newHistogram, recordSince, wallMs } from './histogram.ts';
import type { ReactArmCommand, ReactJoinResult, ReactRoundStats } from './ipc.ts';
import { LoopDelay } from './loop-delay.ts';

const errorText = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err);

let round = fresh('');

function fresh(tag: string) {
  return {
    tag,
    messages: 0,
    msgHist: newHistogram(),
    /** `${seq}:${reactor}` -> wall ms of the react request. */
    sentAt: new Map<string, number>(),
    /** `${seq}:${reactor}` -> wall ms of every receipt of its event. */
    receipts: new Map<string, number[]>(),
    reactions: 0,
    acked: 0,
    errors: 0,
    firstError: undefined as string | undefined,
    ackHist: newHistogram(),
    firstAt: 0,
    lastAt: 0,
    /** This process's event loop delay from react-arm to react-join: the generator's own stalls. */
    loop: new LoopDelay(),
  };
}

function seen(now: number): void {
  if (round.firstAt === 0) round.firstAt = now;
  round.lastAt = now;
}

export function reactArm(clients: Map<string, ChatClient>, c: ReactArmCommand, onReceived: () => void): void {
  round.loop.stop();
  round = fresh(`${c.tag}|`);
  round.loop.start();
  const reactors = new Set(c.reactors);
  for (const cl of clients.values()) {
    const reacts = reactors.has(cl.user) && cl.react;
    cl.onMessage = (text, ref) => {
      if (!text.startsWith(round.tag)) return;
      const now = wallMs();
      round.messages++;
      onReceived();
      seen(now);
      recordSince(round.msgHist, Number(text.slice(round.tag.length)), now);
      if (!reacts || !cl.react || !ref) return;
      const react = cl.react.bind(cl);
      const go = () => {
        const at = wallMs();
        round.sentAt.set(`${ref.seq}:${cl.user}`, at);
        round.reactions++;
        react(ref, c.emoji).then(
          () => {
            round.acked++;
            recordSince(round.ackHist, at);
          },
          (err: unknown) => {
            round.errors++;
            round.firstError ??= errorText(err);
          },
        );
      };
      if (c.spreadMs) setTimeout(go, Math.random() * c.spreadMs);
      else go();
    };
    cl.onReaction = (ref, user) => {
      // A reactor's own event (Natter sends it to the reactor's session too) is not a delivery.
      if (user === cl.user) return;
      const now = wallMs();
      onReceived();
      seen(now);
      const key = `${ref.seq}:${user}`;
      const list = round.receipts.get(key);
      if (list) list.push(now);
      else round.receipts.set(key, [now]);
    };
  }
}

export function reactStats(): ReactRoundStats {
  let received = 0;
  for (const l of round.receipts.values()) received += l.length;
  return {
    messages: round.messages,
    msgHist: encode(round.msgHist),
    reactionsReceived: received,
    reactions: round.reactions,
    acked: round.acked,
    errors: round.errors,
    firstError: round.firstError,
    ackHist: encode(round.ackHist),
    firstAt: round.firstAt,
    lastAt: round.lastAt,
    sentAt: Object.fromEntries(round.sentAt),
    ...round.loop.read(),
  };
}

/** Latency of every receipt whose reaction's send time some worker reported. */
export function reactJoin(clients: Map<string, ChatClient>, sentAt: Record<string, number>): ReactJoinResult {
  const hist = newHistogram();
  let unmatched = 0;
  for (const [key, times] of round.receipts) {
    const at = sentAt[key];
    if (at === undefined) {
      unmatched += times.length;
      continue;
    }
    for (const t of times) recordSince(hist, at, t);
  }
  round.loop.stop();
  for (const cl of clients.values()) {
    cl.onMessage = undefined;
    cl.onReaction = undefined;
  }
  return { hist: encode(hist), unmatched };
}
