import type { ChangeEvent, EditResult, Results, VerResult } from '@natter/protocol';
import { newCid } from './cid.ts';
import { closedError } from './errors.ts';
import type { MessageStore } from './message-store.ts';
import type { OpParams } from './ops.ts';
import type { Job, Outbox, QueuedOp } from './outbox.ts';
import type { SeqTracker } from './seq-tracker.ts';

/** The changes of messages (1.1) that go through the outbox. */
export type ChangeOp = Exclude<QueuedOp, 'send'>;

export interface ChangesDeps {
  outbox: Outbox;
  seqs: SeqTracker;
  store: MessageStore;
  user(): string | undefined;
  closed(): boolean;
  /** Reads message `seq` of `conv` again into the store (its state is not known otherwise). */
  reread(conv: string, seq: number): void;
}

/**
 * Edits, deletes, reactions and pins (protocol 1.1) as outbox jobs: queued per
 * conversation, in order, retried across reconnects until they have a result, settled
 * once. A retry is the same request again, which the server answers without changing
 * anything twice. What each result means for this session's store and `ver` mark lives
 * here: the server does not send a session its own changes back.
 */
export class Changes {
  constructor(private readonly deps: ChangesDeps) {}

  edit(conv: string, seq: number, text: string): Promise<EditResult> {
    return this.queue('edit', { conv, seq, text });
  }

  delete(conv: string, seq: number): Promise<Results['delete']> {
    return this.queue('delete', { conv, seq });
  }

  async react(op: 'react' | 'unreact', conv: string, seq: number, emoji: string): Promise<number> {
    return (await this.queue<VerResult>(op, { conv, seq, emoji })).ver;
  }

  async pin(op: 'pin' | 'unpin', conv: string, seq: number): Promise<number> {
    return (await this.queue<VerResult>(op, { conv, seq })).ver;
  }

  /** One attempt of a change job (the outbox's transmit for changes), then its effect here. */
  sent(job: Job, attempt: number, result: unknown): unknown {
    this.ownResult(job.op as ChangeOp, job.params as OpParams<ChangeOp>, result, attempt);
    return result;
  }

  private queue<R>(op: ChangeOp, params: OpParams<ChangeOp>): Promise<R> {
    if (this.deps.closed()) return Promise.reject(closedError(op));
    return this.deps.outbox.add<R>({ op, key: params.conv, id: `${op}-${newCid()}`, params });
  }

  /**
   * What a change's result tells this session. A change made (a new `ver`) is applied to
   * the store and counted as had. One that changed nothing (`{}` for a delete, `changed:
   * false`) is nothing to apply; but after a retry, the first attempt may have made it and
   * lost its answer, and the server does not send it back: the message is read again.
   */
  private ownResult(op: ChangeOp, params: OpParams<ChangeOp>, result: unknown, attempt: number): void {
    const { conv, seq } = params;
    const by = this.deps.user() ?? '';
    const r = result as Partial<EditResult> & { changed?: false };
    let change: ChangeEvent | undefined;
    if (typeof r?.ver !== 'number' || r.changed === false) {
      if (attempt > 1) this.deps.reread(conv, seq);
      return;
    }
    const ver = r.ver;
    if (op === 'edit') {
      const text = (params as OpParams<'edit'>).text;
      change = { ev: 'edit', conv, seq, ver, text, edited: r.edited ?? '', by };
      // The server finds the mentions (who is a member): the store reads them back.
      if (text.includes('@')) this.deps.reread(conv, seq);
    } else if (op === 'delete') {
      change = { ev: 'delete', conv, seq, ver, by };
    } else if (op === 'react' || op === 'unreact') {
      const emoji = (params as OpParams<'react'>).emoji;
      change = { ev: 'reaction', conv, seq, ver, user: by, emoji, on: op === 'react' };
    } else {
      change = { ev: 'pin', conv, seq, ver, on: op === 'pin', by };
    }
    this.deps.seqs.ownChange(conv, ver);
    this.deps.store.apply(change);
  }
}
