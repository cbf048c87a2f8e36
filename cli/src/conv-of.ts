import type { Where } from './args.ts';
import { dmConv } from './ids.ts';

/** The conversation id `where` names for user `me`; undefined for a `dm:` that `me` is not in. */
export function convOf(where: Where, me: string): string | undefined {
  switch (where.kind) {
    case 'room':
      return `room:${where.room}`;
    case 'user':
      return dmConv(me, where.user);
    case 'dm': {
      const users = where.conv.slice(3).split(':');
      return users.includes(me) ? where.conv : undefined;
    }
  }
}
