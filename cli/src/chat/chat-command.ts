import { isRoom, isUser } from '@natter/protocol';

/** One line typed in the interactive chat, understood. */
export type ChatCommand =
  | { kind: 'say'; text: string }
  | { kind: 'join'; room: string }
  | { kind: 'leave'; room?: string }
  | { kind: 'dm'; user: string }
  | { kind: 'room'; room: string }
  | { kind: 'rooms' }
  | { kind: 'who' }
  | { kind: 'history'; limit: number }
  | { kind: 'create'; room: string; private: boolean }
  | { kind: 'invite'; user: string }
  | { kind: 'invites' }
  | { kind: 'decline'; room: string }
  | { kind: 'reply'; seq: number; text: string }
  | { kind: 'edit'; seq: number; text: string }
  | { kind: 'delete'; seq: number }
  | { kind: 'react'; seq: number; emoji: string }
  | { kind: 'pin'; seq: number }
  | { kind: 'pins' }
  | { kind: 'thread'; seq: number }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'nothing' }
  | { kind: 'invalid'; message: string };

export const DEFAULT_HISTORY = 20;
export const MAX_HISTORY = 200;

/** The help of the interactive chat, one command a line. */
export const CHAT_HELP = [
  '/join <room>             join a room (created if new) and talk there',
  '/leave [room]            leave a room (default: the current one)',
  '/room <room>             talk in a room you are in',
  '/dm <user>               talk to a user directly',
  '/rooms                   your rooms, with unread counts',
  '/who                     members of the current room (● online), or the DM partner’s presence',
  `/history [n]             the last n messages here (default ${DEFAULT_HISTORY}, at most ${MAX_HISTORY})`,
  '/create <room> [--private]  create a room (private: members invite others)',
  '/invite <user>           invite a user into the current room',
  '/invites                 the invitations you have not used (/join one, or /decline it)',
  '/decline <room>          decline your invitation into a room',
  '/reply <seq> <text>      answer message [seq] here, quoting it',
  '/edit <seq> <text>       replace the text of your message [seq]',
  '/delete <seq>            delete a message (yours, or any in a room you own)',
  '/react <seq> <emoji>     react to message [seq]; again to take it back',
  '/pin <seq>               pin message [seq] here, or unpin it',
  '/pins                    the pinned messages here',
  '/thread <seq>            open the thread of message [seq] here: its replies, then talk in it',
  '/help                    this list',
  '/quit                    leave the chat (Ctrl-D too)',
  'anything else            is sent to the current room or user; start with // to send a leading /',
];

/** A message's seq as typed (`5` or `[5]`), or undefined. */
function seqOf(arg: string | undefined): number | undefined {
  const m = arg === undefined ? null : /^\[?(\d{1,15})\]?$/.exec(arg);
  const n = m ? Number(m[1]) : 0;
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses a chat line. Plain text is a message (kept as typed: only an all-blank line is
 * nothing); `/cmd args` is a command; `//text` sends `/text`. Names may carry their
 * sigil (`/join #general`, `/dm @bob`).
 */
export function parseChatLine(line: string): ChatCommand {
  if (line.trim() === '') return { kind: 'nothing' };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  const [word, ...args] = line.slice(1).trim().split(/\s+/);
  const name = word.toLowerCase();
  const room = (arg: string | undefined) => arg?.replace(/^#/, '');
  const user = (arg: string | undefined) => arg?.replace(/^@/, '');
  const needRoom = (r: string | undefined, make: (r: string) => ChatCommand): ChatCommand =>
    r === undefined
      ? { kind: 'invalid', message: `/${name} needs a room name` }
      : isRoom(r)
        ? make(r)
        : {
            kind: 'invalid',
            message: `${JSON.stringify(r)} is not a room name (a-z, 0-9, _ and -, up to 64)`,
          };
  const needUser = (u: string | undefined, make: (u: string) => ChatCommand): ChatCommand =>
    u === undefined
      ? { kind: 'invalid', message: `/${name} needs a user name` }
      : isUser(u)
        ? make(u)
        : { kind: 'invalid', message: `${JSON.stringify(u)} is not a user name` };
  const extra = (max: number): ChatCommand | undefined =>
    args.length > max ? { kind: 'invalid', message: `/${name}: too many arguments` } : undefined;

  switch (name) {
    case 'reply':
    case 'edit': {
      // The text is the rest of the line as typed (its spaces kept).
      const m = /^\/\S+\s+(\S+)(?:\s(.*))?$/s.exec(line.trim());
      const seq = seqOf(m?.[1]);
      const text = m?.[2]?.trim() ? m[2] : undefined;
      if (seq === undefined || text === undefined)
        return { kind: 'invalid', message: `/${name} <seq> <text> (seq: the [n] before a message)` };
      return { kind: name, seq, text };
    }
    case 'delete':
    case 'del':
    case 'pin':
    case 'thread': {
      const seq = seqOf(args[0]);
      if (seq === undefined || args.length > 1)
        return { kind: 'invalid', message: `/${name} <seq> (the [n] before a message)` };
      return name === 'del' ? { kind: 'delete', seq } : { kind: name, seq };
    }
    case 'react': {
      const seq = seqOf(args[0]);
      if (seq === undefined || args.length !== 2) return { kind: 'invalid', message: '/react <seq> <emoji>' };
      return { kind: 'react', seq, emoji: args[1] as string };
    }
    case 'pins':
      return extra(0) ?? { kind: 'pins' };
    case 'join':
    case 'j':
      return extra(1) ?? needRoom(room(args[0]), (r) => ({ kind: 'join', room: r }));
    case 'leave':
    case 'part':
      return (
        extra(1) ??
        (args[0] === undefined
          ? { kind: 'leave' }
          : needRoom(room(args[0]), (r) => ({ kind: 'leave', room: r })))
      );
    case 'room':
    case 'r':
      return extra(1) ?? needRoom(room(args[0]), (r) => ({ kind: 'room', room: r }));
    case 'dm':
    case 'msg':
      return extra(1) ?? needUser(user(args[0]), (u) => ({ kind: 'dm', user: u }));
    case 'rooms':
      return extra(0) ?? { kind: 'rooms' };
    case 'who':
      return extra(0) ?? { kind: 'who' };
    case 'history': {
      if (args.length === 0) return { kind: 'history', limit: DEFAULT_HISTORY };
      const n = Number(args[0]);
      if (!/^\d+$/.test(args[0]) || n < 1 || n > MAX_HISTORY) {
        return { kind: 'invalid', message: `/history takes a number from 1 to ${MAX_HISTORY}` };
      }
      return extra(1) ?? { kind: 'history', limit: n };
    }
    case 'create': {
      const priv = args.includes('--private');
      const rest = args.filter((a) => a !== '--private');
      if (rest.length > 1) return { kind: 'invalid', message: '/create <room> [--private]' };
      return needRoom(room(rest[0]), (r) => ({ kind: 'create', room: r, private: priv }));
    }
    case 'invite':
      return extra(1) ?? needUser(user(args[0]), (u) => ({ kind: 'invite', user: u }));
    case 'invites':
      return extra(0) ?? { kind: 'invites' };
    case 'decline':
      return extra(1) ?? needRoom(room(args[0]), (r) => ({ kind: 'decline', room: r }));
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
    case 'q':
      return { kind: 'quit' };
    default:
      return { kind: 'invalid', message: `unknown command /${word}; /help lists them` };
  }
}
