import { NatterError } from '@natter/protocol';
import { PresenceStoreError } from './store.ts';

/** A store failure becomes the client error `unavailable`; anything else is left as is. */
export function toNatterError(err: unknown): unknown {
  if (err instanceof PresenceStoreError) {
    return new NatterError(
      'unavailable',
      'presence is unavailable (its store is unreachable), try again',
      1000,
      {
        cause: err,
      },
    );
  }
  return err;
}
