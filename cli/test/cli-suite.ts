import type { MessageView, NatterClient } from '@natter/client';
import { afterAll, beforeAll } from 'vitest';
import { NatterProcess } from './natter-process.ts';
import { TestNode } from './single-node.ts';

/**
 * The setup the `natter` command's suites share: the command as a user runs it, child
 * processes on pipes (or a terminal) against the real single-node system (in-process bus
 * and presence, a real Postgres) in open mode. One node per file, started before its tests;
 * every process it started is killed after them.
 */
export interface CliSuite {
  readonly node: TestNode;
  readonly url: string;
  sdk(user: string, wsUrl?: string): Promise<NatterClient>;
  natter(args: string[], env?: Record<string, string>, opts?: { pty?: boolean }): NatterProcess;
}

export function cliSuite(name: string): CliSuite {
  let node: TestNode;
  const procs: NatterProcess[] = [];

  beforeAll(async () => {
    node = await TestNode.start(name);
  });

  afterAll(async () => {
    for (const p of procs) p.signal('SIGKILL');
    await node?.stop();
  });

  return {
    get node() {
      return node;
    },
    get url() {
      return node.url;
    },
    sdk: (user, wsUrl) => node.sdk(user, wsUrl),
    natter: (args, env = {}, opts = {}) => {
      const p = new NatterProcess(args, { NATTER_URL: node.url, ...env }, opts);
      procs.push(p);
      return p;
    },
  };
}

export function nextMessage(c: NatterClient, pred: (m: MessageView) => boolean): Promise<MessageView> {
  return new Promise((resolve) => {
    const off = c.on('message', (m) => {
      if (pred(m)) {
        off();
        resolve(m);
      }
    });
  });
}

/** Text with terminal control sequences (an OSC title, a screen clear, bells, a C1 CSI) that must come out escaped. */
export const EVIL = 'title \u001b]0;pwned\u0007 clear \u001b[2J bell\u0007 c1 \u009b31m end';
