/**
 * What a process sends over NATS in one event-loop turn, handed to nats.js together when
 * the turn ends (setImmediate), so that it leaves in one socket write. nats.js writes at the
 * next microtask checkpoint, and Node runs one after every I/O callback: a history instance
 * answering a send and publishing its two events made two writes, and a gateway forwarding
 * the sends of many sockets read in one turn one write per send. Call order is kept:
 * everything goes through the one queue, requests and publishes alike.
 */
export class Outbox {
  private ops: (() => void)[] = [];
  private scheduled = false;

  add(op: () => void): void {
    this.ops.push(op);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Hands everything queued to nats.js now (before a flush or a drain). */
  readonly flush = (): void => {
    this.scheduled = false;
    const ops = this.ops;
    if (ops.length === 0) return;
    this.ops = [];
    for (const op of ops) op();
  };
}
