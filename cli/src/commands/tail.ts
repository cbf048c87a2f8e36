import { httpBaseOf, type MessageView } from '@natter/client';
import type { Invocation } from '../args.ts';
import { lastMessages, messagesBetween } from '../backlog.ts';
import { convOf } from '../conv-of.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { formatChange, formatMessage } from '../format.ts';
import { complain, type Io } from '../io.ts';
import { connectOrComplain, createClient, describeError } from '../open-client.ts';
import { colorsWanted, createStyle } from '../style.ts';

type TailInvocation = Extract<Invocation, { command: 'tail' }>;

/**
 * `natter tail <conv>`: prints the conversation's messages and the changes of its messages
 * (edits, deletes, reactions, pins) as they arrive, one per line (`time [seq] from: text`,
 * or JSON lines with --json), until SIGINT or SIGTERM. With --last N
 * or --since SEQ the stored ones come first. Notices (reconnecting, errors) go to stderr
 * so stdout stays data. Exit code 0 on a signal, 1 when the session is lost for good.
 */
export async function runTail(inv: TailInvocation, io: Io): Promise<ExitCode> {
  const client = createClient(inv.conn);
  const style = createStyle(!inv.json && colorsWanted(io.stdout, io.env));
  const httpBase = httpBaseOf(inv.conn.url);
  const print = (m: MessageView) =>
    io.stdout.write(inv.json ? `${JSON.stringify(m)}\n` : `${formatMessage(m, { style, httpBase })}\n`);

  const hello = await connectOrComplain(client, inv.conn, io);
  if (!hello) return EXIT.failed;
  const conv = convOf(inv.where, hello.user);
  if (!conv) {
    client.close();
    complain(io, `forbidden: ${hello.user} is not in ${inv.where.kind === 'dm' ? inv.where.conv : ''}`);
    return EXIT.failed;
  }

  // Everything prints through one chain, so history pages, gap fills and live messages
  // come out in seq order. It starts held until the starting point (`floor`) is known.
  let floor = Number.POSITIVE_INFINITY;
  let release!: () => void;
  let chain = new Promise<void>((resolve) => {
    release = resolve;
  });
  const enqueue = (task: () => Promise<void> | void) => {
    chain = chain.then(task).catch((err: unknown) => complain(io, describeError(err)));
  };

  let resolveDone!: (code: ExitCode) => void;
  const done = new Promise<ExitCode>((resolve) => {
    resolveDone = resolve;
  });
  let stopping = false;
  const stop = (code: ExitCode) => {
    if (stopping) return;
    stopping = true;
    client.close();
    // Let what is already queued print before exiting.
    enqueue(() => resolveDone(code));
  };

  client.on('message', (m) => {
    if (m.conv === conv) enqueue(() => (m.seq > floor ? void print(m) : undefined));
  });
  // Changes of stored messages (edits, deletes, reactions, pins), as they happen and as a
  // reconnect replays them: JSON lines carry their `ev`, messages have none.
  client.on('change', (c) => {
    if (c.conv === conv)
      enqueue(
        () => void io.stdout.write(inv.json ? `${JSON.stringify(c)}\n` : `${formatChange(c, { style })}\n`),
      );
  });
  client.on('refetch', (r) => {
    if (r.conv === conv) complain(io, `much changed in ${conv} while away; re-read it with --last`);
  });
  client.on('gap', (g) => {
    if (g.conv !== conv) return;
    enqueue(() =>
      messagesBetween(client, conv, Math.max(g.after, floor), g.before, (page) => page.forEach(print)),
    );
  });
  let reconnecting = false;
  client.on('state', (s) => {
    if (s === 'reconnecting' && !reconnecting) complain(io, 'connection lost; reconnecting…');
    reconnecting = s === 'reconnecting';
    if (s === 'closed' && !stopping) {
      complain(io, 'the session ended and will not be resumed');
      stop(EXIT.failed);
    }
  });
  client.on('hello', (h) => {
    if (stopping) return;
    complain(io, 'back online');
    // The SDK leaves a conversation it has delivered nothing of out of `since` (so nothing
    // is replayed): fetch what came while we were away, ahead of newer live messages.
    const upTo = h.convs.find((c) => c.conv === conv)?.seq ?? 0;
    if (client.lastSeq(conv) === undefined && upTo > floor) {
      const from = floor;
      enqueue(async () => {
        await messagesBetween(client, conv, from, upTo + 1, (page) => page.forEach(print));
        client.advanceSeq(conv, upTo);
      });
    }
  });
  client.on('error', (err) => complain(io, describeError(err)));
  const onSignal = () => stop(EXIT.ok);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const entry = hello.convs.find((c) => c.conv === conv);
    let latest = entry?.seq;
    if (inv.where.kind === 'room' && latest === undefined) {
      if (!inv.join)
        throw new Error(`forbidden: you are not a member of ${conv} (add --join to join it first)`);
      latest = (await client.join(inv.where.room)).seq;
    }
    floor = latest ?? 0;
    // Replays after a reconnect start here, not at the beginning of the conversation, and
    // bring the changes made after the `ver` of this hello (protocol 1.1) too.
    client.advanceSeq(conv, floor, entry?.ver);
    if (inv.last !== undefined && floor > 0) {
      for (const m of await lastMessages(client, conv, inv.last, floor)) print(m);
    } else if (inv.since !== undefined && inv.since < floor) {
      await messagesBetween(client, conv, inv.since, floor + 1, (page) => page.forEach(print));
    }
    // On stderr, so that stdout stays data: scripts (and tests) can wait for it.
    complain(io, `following ${conv} as ${hello.user} from seq ${floor}`);
  } catch (err) {
    complain(io, describeError(err));
    stop(EXIT.failed);
  } finally {
    release();
  }
  const code = await done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
