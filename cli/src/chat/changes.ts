import type { ChangeEvent } from '@natter/client';
import { formatChange } from '../format.ts';
import { describeError } from '../open-client.ts';
import type { ChatCommand } from './chat-command.ts';
import type { ChatContext } from './chat-context.ts';
import type { Outgoing } from './outgoing.ts';

type ChangeCommand = Extract<ChatCommand, { kind: 'reply' | 'edit' | 'delete' | 'react' | 'pin' | 'pins' }>;

/**
 * The lifecycle commands of the chat (protocol 1.1), on the current conversation. Each says
 * what happened once the server stored it, or why not (not the author, not the room's owner).
 * `/react` and `/pin` toggle, by what the SDK's store knows of the message.
 */
export async function runChange(
  cmd: ChangeCommand,
  entered: string,
  ctx: ChatContext,
  outgoing: Outgoing,
): Promise<void> {
  const here = ctx.current;
  if (!here) return ctx.warn(`/${cmd.kind}: /join a room or /dm a user first`);
  const { client } = ctx;
  const conv = here.conv;
  try {
    switch (cmd.kind) {
      case 'reply':
        return outgoing.say(cmd.text, entered, cmd.seq);
      case 'edit':
        await client.edit(conv, cmd.seq, cmd.text);
        return ctx.notice(`edited [${cmd.seq}]`);
      case 'delete': {
        const r = await client.delete(conv, cmd.seq);
        return ctx.notice('ver' in r ? `deleted [${cmd.seq}]` : `[${cmd.seq}] was already deleted`);
      }
      case 'react': {
        const mine = client.store
          .get(conv, cmd.seq)
          ?.reactions?.find((r) => r.emoji === cmd.emoji)
          ?.users.includes(ctx.me);
        await (mine ? client.unreact(conv, cmd.seq, cmd.emoji) : client.react(conv, cmd.seq, cmd.emoji));
        return ctx.notice(`${mine ? 'took back' : 'reacted'} ${ctx.safe(cmd.emoji)} on [${cmd.seq}]`);
      }
      case 'pin': {
        const pinned = client.store.get(conv, cmd.seq)?.pinned !== undefined;
        await (pinned ? client.unpin(conv, cmd.seq) : client.pin(conv, cmd.seq));
        return ctx.notice(`${pinned ? 'unpinned' : 'pinned'} [${cmd.seq}]`);
      }
      case 'pins': {
        const pins = await client.pins(conv);
        if (pins.length === 0) return ctx.notice(`${here.label}: nothing pinned`);
        ctx.screen.print(ctx.style.dim(`--- ${ctx.safe(here.label)}: ${pins.length} pinned ---`));
        for (const m of pins) ctx.screen.print(ctx.format(m, conv));
        return;
      }
    }
  } catch (err) {
    ctx.warn(`/${cmd.kind} [${'seq' in cmd ? cmd.seq : ''}]: ${describeError(err)}`);
  }
}

/** A change someone else made, as a line (labelled when it is not in the current conversation). */
export function changeLine(ctx: ChatContext, c: ChangeEvent): string {
  const label = c.conv === ctx.current?.conv ? undefined : ctx.label(c.conv);
  return formatChange(c, { style: ctx.style, multiline: true, label });
}
