import { runChange } from './changes.ts';
import { CHAT_HELP, type ChatCommand } from './chat-command.ts';
import type { ChatContext } from './chat-context.ts';
import type { Conversations } from './conversations.ts';
import type { Outgoing } from './outgoing.ts';

/** What the chat's lines act on. */
export interface CommandParts {
  ctx: ChatContext;
  conversations: Conversations;
  outgoing: Outgoing;
  quit(): Promise<void>;
}

/** Carries out one parsed chat line; `line` is as entered (a message replaces its echo). */
export async function runCommand(cmd: ChatCommand, line: string, parts: CommandParts): Promise<void> {
  const { ctx, conversations: convs } = parts;
  switch (cmd.kind) {
    case 'nothing':
      return;
    case 'invalid':
      return ctx.warn(cmd.message);
    case 'say':
      return parts.outgoing.say(cmd.text, line);
    case 'help':
      return ctx.screen.print(CHAT_HELP.map((l) => `  ${l}`).join('\n'));
    case 'quit':
      return parts.quit();
    case 'join':
      return convs.join(cmd.room);
    case 'create':
      return convs.create(cmd.room, cmd.private);
    case 'leave':
      return convs.leave(cmd.room);
    case 'room':
      return convs.room(cmd.room);
    case 'dm':
      return convs.dm(cmd.user);
    case 'rooms':
      return convs.listRooms();
    case 'who':
      return convs.who();
    case 'history':
      return convs.history(cmd.limit);
    case 'invite':
      return convs.invite(cmd.user);
    case 'thread':
      return convs.thread(cmd.seq);
    case 'invites':
      return convs.listInvites();
    case 'decline':
      return convs.decline(cmd.room);
    case 'reply':
    case 'edit':
    case 'delete':
    case 'react':
    case 'pin':
    case 'pins':
      return runChange(cmd, line, ctx, parts.outgoing);
  }
}
