import { NatterError, type Op } from '@natter/protocol';
import { memberConv } from './access.ts';
import type { Handler } from './context.ts';

/**
 * Push devices and notify levels (PROTOCOL 1.1 sections 2 and 4), owned by the push
 * service: the gateway checks the frame (the schema) and the caller's standing, then asks
 * it on the caller's behalf, so a user only ever touches their own devices and levels.
 */
export const pushOps: {
  [O in Extract<Op, 'notify' | 'push.register' | 'push.unregister'>]: Handler<O>;
} = {
  async notify(gw, s, p, rc) {
    memberConv(gw, s, p.conv);
    if (p.until !== undefined && Date.parse(p.until) <= Date.now())
      throw new NatterError('bad_request', 'until: must be in the future');
    await gw.rpc.call(
      'pushNotify',
      { v: 1, user: s.user, conv: p.conv, level: p.level, until: p.until },
      { trace: rc.trace },
    );
    return {};
  },

  async 'push.register'(gw, s, p, rc) {
    return gw.rpc.call('pushRegister', { v: 1, user: s.user, ...p }, { trace: rc.trace });
  },

  async 'push.unregister'(gw, s, p, rc) {
    await gw.rpc.call('pushUnregister', { v: 1, user: s.user, device: p.device }, { trace: rc.trace });
    return {};
  },
};
