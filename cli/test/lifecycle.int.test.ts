import type { ChangeEvent, MessageView, NatterClient } from '@natter/client';
import { describe, expect, it } from 'vitest';
import { cliSuite } from './cli-suite.ts';

/**
 * The lifecycle commands of `natter` (protocol 1.1) as a user runs them: child processes on
 * pipes against the real single-node system with a real Postgres, and an SDK client as the
 * other person.
 */
const { sdk, natter } = cliSuite('natter-cli-lifecycle');

function next<T>(c: NatterClient, event: 'message' | 'change', pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const off = c.on(event, ((v: T) => {
      if (pred(v)) {
        off();
        resolve(v);
      }
    }) as never);
  });
}

describe('natter tail prints changes as they happen', () => {
  it('edits, reactions, pins and deletes, as lines and as JSON lines', async () => {
    const alice = await sdk('alice');
    await alice.join('tailed');
    const { seq } = await alice.send('room:tailed', { text: 'first draft' });
    const tail = natter(['tail', 'room:tailed', '--user', 'bob', '--join']);
    const json = natter(['tail', 'room:tailed', '--user', 'carol', '--join', '--json']);
    await tail.waitStderr(/following room:tailed as bob from seq 1/);
    await json.waitStderr(/following room:tailed as carol from seq 1/);

    await alice.edit('room:tailed', seq, 'final text');
    await tail.waitStdout(/^\d\d:\d\d:\d\d \[1\] alice edited: final text$/m);
    await alice.react('room:tailed', seq, '🎉');
    await tail.waitStdout(/^\d\d:\d\d:\d\d \[1\] alice reacted 🎉$/m);
    await alice.pin('room:tailed', seq);
    await tail.waitStdout(/\[1\] alice pinned it$/m);
    const reply = await alice.send('room:tailed', { text: 'and a reply', reply: seq });
    await tail.waitStdout(/\[2\] alice: ↪ \[1\] alice: "final text" and a reply$/m);
    await alice.delete('room:tailed', seq);
    await tail.waitStdout(/\[1\] alice deleted it$/m);
    await json.waitStdout(/"ev":"delete"/);

    for (const p of [tail, json]) {
      p.signal('SIGINT');
      expect(await p.exited).toBe(0);
    }
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ChangeEvent | MessageView);
    // Exactly the changes, in ver order, and the new message among them.
    expect(lines.map((l) => ('ev' in l ? `${l.ev}@${l.ver}` : `message@${l.ver}`))).toEqual([
      'edit@2',
      'reaction@3',
      'pin@4',
      `message@${reply.ver}`,
      'delete@6',
    ]);
  });
});

describe('natter connect: /reply, /edit, /delete, /react, /pin, /pins', () => {
  it('changes messages and shows the others’ changes; refusals are warnings', async () => {
    const alice = await sdk('alice');
    await alice.join('ship'); // alice made it: its owner
    const cli = natter(['connect', '--user', 'dave']);
    await cli.waitStdout(/connected as dave/);
    cli.write('/join ship\n');
    await cli.waitStdout(/\* joined #ship/);
    const hello = await alice.send('room:ship', { text: 'ship it?' });
    await cli.waitStdout(/\[1\] alice: ship it\?$/m);

    const replied = next<MessageView>(alice, 'message', (m) => m.from === 'dave');
    cli.write(`/reply ${hello.seq} yes,  today\n`);
    const mine = await replied;
    expect(mine).toMatchObject({
      text: 'yes,  today',
      reply: { seq: 1, from: 'alice', preview: 'ship it?' },
    });

    const reacted = next<ChangeEvent>(alice, 'change', (c) => c.ev === 'reaction');
    cli.write('/react 1 👍\n');
    expect(await reacted).toMatchObject({ seq: 1, user: 'dave', emoji: '👍', on: true });
    await cli.waitStdout(/\* reacted 👍 on \[1\]/);

    const edited = next<ChangeEvent>(alice, 'change', (c) => c.ev === 'edit');
    cli.write(`/edit ${mine.seq} yes, tomorrow\n`);
    expect(await edited).toMatchObject({ seq: mine.seq, text: 'yes, tomorrow', by: 'dave' });

    // Not his message, not his room: refused, and said so.
    let from = cli.stdout.length;
    cli.write('/edit 1 hijacked\n/delete 1\n/pin 1\n/react 99 👍\n');
    await cli.waitStdout(/! \/edit \[1\]: forbidden/, { from });
    await cli.waitStdout(/! \/delete \[1\]: forbidden/, { from });
    await cli.waitStdout(/! \/pin \[1\]: forbidden/, { from });
    await cli.waitStdout(/! \/react \[99\]: not_found/, { from });

    // Others' changes show as lines: alice pins and edits hers.
    await alice.pin('room:ship', 1);
    await cli.waitStdout(/\[1\] alice pinned it$/m);
    await alice.edit('room:ship', 1, 'ship it today?');
    await cli.waitStdout(/\[1\] alice edited: ship it today\?$/m);
    from = cli.stdout.length;
    cli.write('/pins\n');
    await cli.waitStdout(
      /--- #ship: 1 pinned ---\n.*\[1\] alice: ship it today\? \(edited\) \(pinned\) \[👍 1\]/,
      { from },
    );

    const deleted = next<ChangeEvent>(alice, 'change', (c) => c.ev === 'delete');
    cli.write(`/delete ${mine.seq}\n`);
    expect(await deleted).toMatchObject({ seq: mine.seq, by: 'dave' });
    from = cli.stdout.length;
    cli.write('/history 5\n');
    await cli.waitStdout(new RegExp(`\\[${mine.seq}\\] dave: \\(message deleted\\)`), { from });
    cli.write('/quit\n');
    expect(await cli.exited).toBe(0);
  });
});

describe('natter connect: /thread', () => {
  it('opens a thread, shows its replies, sends into it, and refuses nesting and a missing root', async () => {
    const alice = await sdk('alice');
    await alice.join('threads');
    const cli = natter(['connect', '--user', 'erin']);
    await cli.waitStdout(/connected as erin/);
    cli.write('/join threads\n');
    await cli.waitStdout(/\* joined #threads/);
    const root = await alice.send('room:threads', { text: 'the plan' });
    await cli.waitStdout(/\[1\] alice: the plan$/m);
    await alice.sendThread('room:threads', root.seq, { text: 'step one' });

    let from = cli.stdout.length;
    cli.write(`/thread ${root.seq}\n`);
    await cli.waitStdout(/\* now in the thread of \[1\] in #threads/, { from });
    await cli.waitStdout(/\[1\] alice: the plan.*\n.*--- 1 reply ---\n.*\[1\] alice: step one$/m, { from });

    // Plain lines now go into the thread.
    const replied = next<MessageView>(alice, 'message', (m) => m.from === 'erin');
    cli.write('step two, done\n');
    expect(await replied).toMatchObject({ conv: 'thread:room:threads:1', seq: 2, text: 'step two, done' });
    await expect
      .poll(() => alice.store.get('room:threads', root.seq)?.thread, { timeout: 5000 })
      .toMatchObject({ replies: 2, users: ['alice', 'erin'] });
    // Others' replies show as the thread's messages.
    from = cli.stdout.length;
    await alice.sendThread('room:threads', root.seq, { text: 'thanks' });
    await cli.waitStdout(/\[3\] alice: thanks$/m, { from });

    from = cli.stdout.length;
    cli.write('/thread 1\n');
    await cli.waitStdout(/! \/thread: threads do not nest/, { from });
    cli.write('/room threads\n/thread 99\n');
    await cli.waitStdout(/! \/thread \[99\]: not_found/, { from });
    cli.write('/thread x\n');
    await cli.waitStdout(/! \/thread <seq>/, { from });
    cli.write('/quit\n');
    expect(await cli.exited).toBe(0);
  });
});
