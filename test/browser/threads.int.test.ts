import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatPage } from './chat-page.ts';
import { act, row, twoPeople } from './two-people.ts';

/**
 * Threads and receipts in the web client (protocol 1.1): Alice on gateway 1 and Bob on
 * gateway 2 of the distributed system (real NATS, Redis, Postgres), in real Chromium. A
 * thread opened and answered in one browser shows its count and replies in the other; DM
 * ticks go delivered -> seen; "seen by" names who read a room message.
 */
const people = twoPeople();
let alice: ChatPage;
let bob: ChatPage;
let SHOTS: string;

beforeAll(() => {
  ({ alice, bob, shots: SHOTS } = people);
});

function pane(p: ChatPage): Locator {
  return p.page.locator('.thread-pane');
}

async function replyInThread(p: ChatPage, text: string): Promise<void> {
  const box = p.page.getByRole('textbox', { name: 'Reply in thread' });
  await box.fill(text);
  await box.press('Enter');
}

describe('threads and receipts in two browsers', () => {
  it('opens a thread and replies in it; the other sees the count, the participants and the reply live', async () => {
    await alice.signIn();
    await bob.signIn();
    await alice.joinRoom('crew');
    await bob.joinRoom('crew');
    await alice.page.locator('.member[data-user="bob"]').waitFor();
    await alice.send('Who brings snacks?');
    await bob.sees('Who brings snacks?');

    await act(bob, 'Who brings snacks?', 'Open thread');
    await pane(bob).locator('.thread-root .text', { hasText: 'Who brings snacks?' }).waitFor();
    await pane(bob).locator('.history-top', { hasText: 'No messages yet' }).waitFor();
    await replyInThread(bob, 'I will bring crisps');
    await pane(bob).locator('.list .text', { hasText: 'I will bring crisps' }).waitFor();
    // The reply is in the thread, not in the room.
    expect(await bob.page.locator('.chat .list .text', { hasText: 'I will bring crisps' }).count()).toBe(0);

    // Alice never opened it: the root's summary tells her, live.
    const summary = row(alice, 'Who brings snacks?').locator('.thread-summary');
    await summary.locator('.thread-count', { hasText: '1 reply' }).waitFor();
    expect(await summary.locator('.thread-users').textContent()).toBe('bob');
    await summary.click();
    await pane(alice).locator('.list .text', { hasText: 'I will bring crisps' }).waitFor();
    await replyInThread(alice, 'Great, I bring drinks');

    // Bob's open pane gets Alice's reply and the root's new count, live.
    await pane(bob).locator('.list .text', { hasText: 'Great, I bring drinks' }).waitFor();
    // The pane sits beside the room, not over it: the room's header buttons stay usable.
    for (const name of ['Pinned messages', 'Leave this room']) {
      const covered = await bob.page.getByRole('button', { name }).evaluate((el) => {
        const r = el.getBoundingClientRect();
        const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return !at || !el.contains(at);
      });
      expect(covered, name).toBe(false);
    }
    // Bob has the thread on screen: its read marker follows, so Alice sees he read her reply.
    await expect
      .poll(
        async () => {
          const mine = pane(alice)
            .locator('.list .msg')
            .filter({ has: alice.page.locator('.text', { hasText: 'Great, I bring drinks' }) });
          await mine.hover();
          await mine.getByRole('button', { name: 'Seen by', exact: true }).click();
          const line = mine.locator('.seen-by');
          await line.filter({ hasNotText: 'Seen by…' }).waitFor();
          return line.textContent();
        },
        { timeout: 10_000 },
      )
      .toBe('Seen by bob');
    await pane(bob).locator('.thread-root-summary', { hasText: '2 replies' }).waitFor();
    expect(await pane(bob).locator('.thread-root-summary').textContent()).toMatch(/bob/);
    expect(await pane(bob).locator('.thread-root-summary').textContent()).toMatch(/alice/);
    await row(bob, 'Who brings snacks?').locator('.thread-count', { hasText: '2 replies' }).waitFor();
    await bob.page.screenshot({ path: `${SHOTS}thread.png` });

    // Esc closes the pane; so does its close button.
    await bob.page.getByRole('textbox', { name: 'Reply in thread' }).press('Escape');
    expect(await pane(bob).count()).toBe(0);
    await alice.page.getByRole('button', { name: 'Close thread' }).click();
    expect(await pane(alice).count()).toBe(0);
    // A reply inside a thread offers no thread of its own (threads do not nest).
    await row(alice, 'Who brings snacks?').locator('.thread-summary').click();
    const reply = pane(alice)
      .locator('.list .msg')
      .filter({ has: alice.page.locator('.text', { hasText: 'I will bring crisps' }) });
    await reply.hover();
    expect(await reply.getByRole('button', { name: 'Open thread' }).count()).toBe(0);
    await alice.page.getByRole('button', { name: 'Close thread' }).click();
  });

  it('"seen by" on my room message asks the server on demand and names who read it', async () => {
    // No receipts request happens on render: the line is there only once asked.
    expect(await row(alice, 'Who brings snacks?').locator('.seen-by').count()).toBe(0);
    // Only my own messages have it.
    await bob.send('See you at six');
    await alice.sees('See you at six');
    await row(alice, 'See you at six').hover();
    expect(await row(alice, 'See you at six').getByRole('button', { name: 'Seen by' }).count()).toBe(0);
    // Bob has the room open: his read marker covers Alice's message (debounced, so ask again until it does).
    await expect
      .poll(
        async () => {
          await act(alice, 'Who brings snacks?', 'Seen by');
          const line = row(alice, 'Who brings snacks?').locator('.seen-by');
          await line.filter({ hasNotText: 'Seen by…' }).waitFor();
          return line.textContent();
        },
        { timeout: 10_000 },
      )
      .toBe('Seen by bob');
  });

  it('DM ticks: one when delivered to the other browser, two once it is opened there', async () => {
    await alice.page.getByRole('button', { name: 'New direct message' }).click();
    await alice.page.locator('dialog[open] input[name=user]').fill('bob');
    await alice.page.keyboard.press('Enter');
    await alice.page.locator('.chat-title', { hasText: '@bob' }).waitFor();
    await alice.send('ping from alice');
    const mine = alice.page.locator('.chat .list .msg.mine').filter({ hasText: 'ping from alice' });
    // Bob's browser is on the room: it has the message (received) but has not read it.
    await mine.locator('.tick.delivered').waitFor();
    expect(await mine.locator('.tick.seen').count()).toBe(0);
    await bob.openConv('alice');
    await bob.sees('ping from alice');
    await mine.locator('.tick.seen').waitFor();
    expect(await mine.locator('.tick').getAttribute('aria-label')).toBe('seen');
    // After a reload the ticks come from the hello's markers (no event has moved them yet).
    await alice.page.reload();
    await alice.page.locator('.chat-title', { hasText: '@bob' }).waitFor();
    await mine.locator('.tick.seen').waitFor();
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
