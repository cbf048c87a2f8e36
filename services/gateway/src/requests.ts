import { type Logger, newTraceId } from '@natter/log';
import { CloseCode, type ErrorBody, NatterError, type Op, type RequestParams } from '@natter/protocol';
import type { RawData } from 'ws';
import { Admission } from './admission.ts';
import type { RequestContext } from './context.ts';
import { FrameError, ProtocolViolation, parseFrame } from './frames.ts';
import { type HelloContext, hello } from './hello.ts';
import { handlerFor } from './ops.ts';
import type { Session } from './session.ts';

/** Ops answered without a backend: they skip admission (a `ping` must not wait behind a storm). */
const LOCAL_OPS: ReadonlySet<Op> = new Set<Op>(['ping', 'typing', 'refresh']);

/**
 * The path every frame takes: parsed, let through by the session's guard (rate limits) and
 * the gateway's admission bound, handed to its op's handler, answered. It owns what that
 * path holds: the admission bound (which upgrades consult too), the count of requests in
 * flight (a drain waits for it), and each connection's hello timer.
 */
export class Requests {
  private readonly admission: Admission;
  private inFlightCount = 0;

  constructor(private readonly gw: HelloContext) {
    const { config, metrics } = gw;
    this.admission = new Admission({
      inFlight: config.admissionInFlight,
      queue: config.admissionQueue,
      waitMs: config.admissionWaitMs,
      upgradeLimit: config.admissionUpgradeLimit,
      onOutcome: (outcome, waitedMs) => {
        metrics.admission.inc({ outcome });
        if (waitedMs !== undefined) metrics.admissionWait.observe({ outcome }, waitedMs / 1000);
      },
    });
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** A `Retry-After` (seconds) for a new connection while `waiting` ones wait for their hello's turn. */
  refuseUpgrade(waiting: number): number | undefined {
    return this.admission.refuseUpgrade(waiting);
  }

  /** A new connection has NATTER_HELLO_TIMEOUT_MS to say hello. */
  armHelloTimer(s: Session): void {
    s.helloTimer = setTimeout(this.helloTimeout, this.gw.config.helloTimeoutMs, s);
  }

  private readonly helloTimeout = (s: Session): void => {
    s.helloTimer = undefined;
    if (s.state === 'greeting') this.gw.closeSession(s, CloseCode.Unauthenticated, 'hello_timeout', false);
  };

  onFrame(s: Session, data: RawData, isBinary: boolean): void {
    if (s.state === 'closed') return;
    const { gw } = this;
    if (isBinary) {
      gw.closeSession(
        s,
        CloseCode.ProtocolViolation,
        'protocol_violation',
        false,
        'binary frames are not allowed',
      );
      return;
    }
    let frame: ReturnType<typeof parseFrame>;
    try {
      frame = parseFrame(data);
    } catch (err) {
      if (err instanceof ProtocolViolation) {
        gw.closeSession(s, CloseCode.ProtocolViolation, 'protocol_violation', false, err.message);
      } else if (err instanceof FrameError) {
        if (!gw.guard.admit(s, err.id, err.op)) return;
        gw.metrics.errors.inc({ code: err.error.code });
        s.fail(err.id, err.op, err.error.toBody());
      }
      return;
    }
    gw.metrics.framesIn.inc({ op: frame.op });
    void this.dispatch(s, frame.id, frame.op, frame.params);
  }

  private async dispatch(
    s: Session,
    id: number | string | undefined,
    op: Op,
    params: Record<string, unknown>,
  ): Promise<void> {
    const { gw } = this;
    if (!gw.guard.admit(s, id, op)) return;
    const trace = newTraceId();
    // The child logger only when something logs: most requests log nothing.
    const base = gw.log;
    let child: Logger | undefined;
    const rc: RequestContext = {
      trace,
      get log() {
        child ??= base.child({ trace, session: s.id });
        return child;
      },
    };
    const end = gw.metrics.requestSeconds.startTimer({ op });
    this.inFlightCount++;
    try {
      if (s.state === 'greeting') {
        if (op !== 'hello') throw new NatterError('unauthenticated', `op: send hello before ${op}`);
        await this.helloAdmitted(s, id, params as RequestParams<'hello'>, rc);
        return;
      }
      if (op === 'send') await gw.guard.checkUserSend(s.user);
      const run = () => handlerFor(op)(gw, s, params as never, rc);
      const result = LOCAL_OPS.has(op) ? await run() : await this.admission.run(run);
      s.reply(id, result);
    } catch (err) {
      const body = errorBody(err, rc, op);
      gw.metrics.errors.inc({ code: body.code });
      s.fail(id, op, body);
    } finally {
      this.inFlightCount--;
      end();
    }
  }

  /**
   * A `hello` waits for admission like any backend request. The client did say hello in time,
   * so the hello timer stops while it waits and runs; if the hello fails (refused, or a
   * backend unavailable) the connection gets a new full timer for its next try.
   */
  private async helloAdmitted(
    s: Session,
    id: number | string | undefined,
    p: RequestParams<'hello'>,
    rc: RequestContext,
  ): Promise<void> {
    clearTimeout(s.helloTimer);
    s.helloTimer = undefined;
    try {
      await this.admission.run(() => hello(this.gw, s, id, p, rc), true);
    } catch (err) {
      if (s.state === 'greeting' && s.helloTimer === undefined) this.armHelloTimer(s);
      throw err;
    }
  }
}

function errorBody(err: unknown, rc: RequestContext, op: string): ErrorBody {
  if (err instanceof NatterError) return err.toBody();
  rc.log.error({ err, op }, 'request failed with an unexpected error; answered internal');
  return { code: 'internal', message: `internal error (trace ${rc.trace})` };
}
