import { dmPeer, convOf as protocolConvOf } from '@natter/protocol';
import type { Where } from './args.ts';

/** The conversation id `where` names for user `me`; undefined for a `dm:` that `me` is not in. */
export function convOf(where: Where, me: string): string | undefined {
  if (where.kind !== 'dm') return protocolConvOf(me, where);
  return dmPeer(where.conv, me) === undefined ? undefined : where.conv;
}
