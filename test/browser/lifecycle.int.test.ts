import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatPage } from './chat-page.ts';
import { act, row, twoPeople } from './two-people.ts';

/**
 * The message lifecycle in the web client (protocol 1.1): two people in real Chromium,
 * Alice on gateway 1 and Bob on gateway 2 of the distributed system (real NATS, Redis,
 * Postgres). Each reply, reaction, edit, pin, delete and mention one of them makes with
 * the mouse and keyboard, the other sees.
 */
const people = twoPeople();
let alice: ChatPage;
let bob: ChatPage;
let SHOTS: string;

beforeAll(() => {
  ({ alice, bob, shots: SHOTS } = people);
});

describe('the message lifecycle in two browsers', () => {
  it('replies with a quote, and completes and highlights a mention, with a sidebar badge', async () => {
    await alice.signIn();
    await bob.signIn();
    await alice.joinRoom('launch'); // alice made it: its owner
    await bob.joinRoom('launch');
    await alice.page.locator('.member[data-user="bob"]').waitFor();
    await bob.page.locator('.member[data-user="alice"]').waitFor();
    await alice.send('Plan for today: ship it');
    await bob.sees('Plan for today: ship it');
    await alice.joinRoom('elsewhere'); // alice looks at another room now

    await act(bob, 'Plan for today', 'Reply');
    await bob.page.locator('.reply-bar', { hasText: 'Replying to alice' }).waitFor();
    const box = bob.page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('Sounds good @al');
    await bob.page.locator('.mention-option[data-user="alice"]').waitFor();
    await box.press('Enter'); // picks the completion
    expect(await box.inputValue()).toBe('Sounds good @alice ');
    await box.pressSequentially('see you there');
    await box.press('Enter');
    expect(await bob.page.locator('.reply-bar').isHidden()).toBe(true);

    // Alice is in another room: the mention shows as a badge beside "launch".
    await alice.page
      .locator('.conv-item[data-conv="room:launch"] .mention-badge', { hasText: '@1' })
      .waitFor();
    await alice.openConv('launch');
    const reply = row(alice, 'see you there');
    await reply.locator('.reply-quote', { hasText: 'Plan for today: ship it' }).waitFor();
    expect(await reply.locator('.mention.mention-me').textContent()).toBe('@alice');
    await bob.page.locator('.list .msg .mention', { hasText: '@alice' }).waitFor();
  });

  it('reacts with the picker, and chips toggle, seen by the other', async () => {
    await act(alice, 'see you there', 'React');
    await row(alice, 'see you there').getByRole('button', { name: 'React with 👍' }).click();
    const bobChip = row(bob, 'see you there').locator('.reaction[data-emoji="👍"]');
    await bobChip.locator('.reaction-count', { hasText: '1' }).waitFor();
    expect(await bobChip.getAttribute('aria-pressed')).toBe('false');
    await bobChip.click(); // bob adds his
    const aliceChip = row(alice, 'see you there').locator('.reaction[data-emoji="👍"]');
    await aliceChip.locator('.reaction-count', { hasText: '2' }).waitFor();
    expect(await aliceChip.getAttribute('aria-pressed')).toBe('true');
    await aliceChip.click(); // alice takes hers back
    await bobChip.locator('.reaction-count', { hasText: '1' }).waitFor();
    await aliceChip.locator('.reaction-count', { hasText: '1' }).waitFor();
    expect(await aliceChip.getAttribute('aria-pressed')).toBe('false');
  });

  it('edits own messages inline: Esc cancels, Enter saves, "edited" shows on both', async () => {
    // Only one's own messages can be edited.
    await row(alice, 'see you there').hover();
    expect(await row(alice, 'see you there').getByRole('button', { name: 'Edit' }).count()).toBe(0);

    await act(alice, 'Plan for today', 'Edit');
    const edit = alice.page.getByRole('textbox', { name: 'Edit message' });
    await edit.fill('Plan for today: nothing');
    await edit.press('Escape');
    expect(await edit.count()).toBe(0);
    await alice.sees('Plan for today: ship it');

    await act(alice, 'Plan for today', 'Edit');
    await edit.fill('Plan for tomorrow: ship it');
    await edit.press('Enter');
    await bob.sees('Plan for tomorrow: ship it');
    await row(bob, 'Plan for tomorrow').locator('.edited', { hasText: 'edited' }).waitFor();
    await row(alice, 'Plan for tomorrow').locator('.edited').waitFor();
    expect(await bob.messageTexts()).not.toContain('Plan for today: ship it');
  });

  it('pins a message into the pinned list of the header, for both', async () => {
    await act(alice, 'see you there', 'Pin');
    await bob.page.getByRole('button', { name: 'Pinned messages' }).click();
    await bob.page.locator('.pins-panel .pin-item', { hasText: 'see you there' }).waitFor();
    await row(bob, 'see you there').locator('.pin-mark').waitFor();
    await alice.page.getByRole('button', { name: 'Pinned messages' }).click();
    await alice.page.locator('.pins-panel .pin-item', { hasText: 'see you there' }).waitFor();
    await bob.page.screenshot({ path: `${SHOTS}lifecycle.png` });
    // Unpinned by alice: gone from bob's open list at once.
    await act(alice, 'see you there', 'Unpin');
    await bob.page.locator('.pins-panel', { hasText: 'Nothing pinned yet' }).waitFor();
    await alice.page.getByRole('button', { name: 'Pinned messages' }).click();
  });

  it('deletes after a confirm: a tombstone for both, the reply quote emptied; Delete offered on own messages and to the room owner', async () => {
    // Cancel keeps the message.
    await act(alice, 'Plan for tomorrow', 'Delete');
    await alice.sees('Plan for tomorrow: ship it');
    expect(alice.dialogs.at(-1)).toBe('confirm: Delete this message for everyone?');

    alice.acceptConfirms = true;
    await act(alice, 'Plan for tomorrow', 'Delete');
    await bob.page.locator('.list .msg.deleted .text', { hasText: 'message deleted' }).waitFor();
    await alice.page.locator('.list .msg.deleted .text', { hasText: 'message deleted' }).waitFor();
    await row(bob, 'see you there').locator('.reply-quote', { hasText: 'message deleted' }).waitFor();
    expect(await bob.messageTexts()).not.toContain('Plan for tomorrow: ship it');

    // Delete is offered on one's own messages, and on anyone's to the room's owner (its
    // creator, from the rooms list, until roles land): Bob has none on Alice's message,
    // Alice deletes Bob's.
    await alice.send('one more from alice');
    await bob.sees('one more from alice');
    await row(bob, 'one more from alice').hover();
    expect(
      await row(bob, 'one more from alice').getByRole('button', { name: 'Delete', exact: true }).count(),
    ).toBe(0);
    await act(alice, 'see you there', 'Delete');
    await bob.page.locator('.list .msg.deleted').nth(1).waitFor();
    expect(await bob.page.locator('.list .msg.deleted').count()).toBe(2);
    // A tombstone has no actions.
    expect(await bob.page.locator('.list .msg.deleted .msg-actions').count()).toBe(0);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
