import { CloseCode, NatterError, REPLAY_PER_CONV, type RequestParams } from '@natter/protocol';
import type { Authenticator } from './auth.ts';
import type { GatewayContext, RequestContext } from './context.ts';
import type { Guard } from './limits/guard.ts';
import { confirmMemberships } from './membership.ts';
import type { listConvs } from './ops.ts';
import type { Session } from './session.ts';
import { replaySince } from './sync.ts';

/** What `hello` needs of the gateway beyond what request handlers see. */
export interface HelloContext extends GatewayContext {
  readonly guard: Guard;
  /** Drops a session from the registry and presence (the socket may stay open). */
  forget(s: Session): void;
  closeSession(s: Session, code: CloseCode, reason: string, reconnect?: boolean, detail?: string): void;
}

/**
 * `hello`: authenticates, registers the session (so live deliveries are held from here on),
 * announces it to presence, loads its rooms and subscribes their subjects, waits for the
 * broker to confirm, and only then lists `convs`: anything stored later arrives live, anything
 * earlier is in the listing or the `since` replay. Then replays `since` and goes live.
 */
export async function hello(
  gw: HelloContext,
  s: Session,
  id: number | string | undefined,
  p: RequestParams<'hello'>,
  rc: RequestContext,
): Promise<void> {
  // Each phase's time goes to natter_gateway_hello_phase_seconds: where a storm's hellos wait.
  let t0 = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    gw.metrics.helloPhase.observe({ phase: name }, (now - t0) / 1000);
    t0 = now;
  };
  let identity: Awaited<ReturnType<Authenticator['verify']>>;
  if (p.token) identity = await gw.auth.verify(p.token);
  else if (p.user && gw.auth.openMode) identity = await gw.auth.issue(p.user);
  else if (p.user) throw new NatterError('unauthenticated', 'token: this server requires a token');
  else throw new NatterError('bad_request', 'token: hello needs a token (or user, in open mode)');
  if (s.state !== 'greeting')
    throw new NatterError('bad_request', 'op: hello was already sent on this connection');
  phase('auth');
  gw.guard.checkSessions(identity.user, gw.registry.sessionsOfUser(identity.user));
  s.user = identity.user;
  s.tokenExp = identity.exp;
  gw.guard.watchExpiry(s);
  s.state = 'syncing';
  clearTimeout(s.helloTimer);
  s.helloTimer = undefined;
  gw.registry.addSession(s);
  gw.metrics.sessions.inc();
  let convs: Awaited<ReturnType<typeof listConvs>>['convs'];
  try {
    await gw.greet(s, rc.trace);
    phase('presence');
    // Batched with the other hellos in flight (hello-lookups.ts): one request for many users.
    const mine = await gw.lookups.roomsOf(s.user);
    phase('rooms');
    const rooms = mine.map((r) => r.room);
    for (const r of mine) gw.registry.applyMembership(s.user, r.room, true, r.ver);
    // Rooms the user's other sessions here are in, missing from this (newer) list: a `left`
    // this gateway never heard. The list carries no version for them, so ask.
    const listed = new Set(rooms);
    const stale = [...gw.registry.roomsOf(s.user)].filter((room) => !listed.has(room));
    if (stale.length) {
      confirmMemberships(
        gw.rpc,
        gw.registry,
        stale.map((room) => ({ room, user: s.user })),
        rc.trace,
      ).catch((err: unknown) => rc.log.warn({ err }, 'could not confirm memberships at hello'));
    }
    await gw.bus.flush();
    phase('flush');
    convs = await gw.lookups.convsWithLevels({ user: s.user, rooms, dms: true });
    phase('convs');
  } catch (err) {
    gw.forget(s);
    s.state = 'greeting';
    s.user = '';
    throw err;
  }
  s.reply(id, {
    user: s.user,
    session: s.id,
    gateway: gw.id,
    heartbeat: gw.config.heartbeatSec,
    token: identity.token,
    convs,
  });
  try {
    await replaySince(gw, s, p.since ?? {}, convs, rc.trace, REPLAY_PER_CONV);
    phase('replay');
  } catch (err) {
    rc.log.warn({ err }, 'could not replay since; closing so the client resumes');
    gw.closeSession(s, CloseCode.Draining, 'resync', true, 'history unavailable during since');
    return;
  }
  if (s.state !== 'syncing') return;
  s.state = 'live';
  const pending = s.takePending();
  for (const d of pending) gw.ordering.deliverTo(s, d);
  s.event({ ev: 'synced' });
}
