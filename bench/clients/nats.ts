import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type ChatClient, type ConnectOptions, RequestFailed } from './types.ts';

/**
 * The raw NATS limit: every user is a subscription on `bench.u.<user>` (or `bench.r.<room>`)
 * over one connection per worker, and a send is a publish. The round trip publish ->
 * nats-server -> subscriber is the floor under anything built on NATS, Natter included.
 */
const shared = new Map<string, Promise<NatsConnection>>();

function connection(url: string): Promise<NatsConnection> {
  let nc = shared.get(url);
  if (!nc) {
    nc = connect({ servers: url, name: 'bench-worker' });
    shared.set(url, nc);
  }
  return nc;
}

export async function closeNats(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.allSettled(all.map(async (nc) => (await nc).drain()));
}

export class NatsClient implements ChatClient {
  onMessage: ChatClient['onMessage'];
  private readonly decoder = new TextDecoder();

  private constructor(
    readonly user: string,
    private readonly nc: NatsConnection,
    private readonly unsubscribe: () => void,
  ) {}

  static async connect(o: ConnectOptions): Promise<NatsClient> {
    const nc = await connection(o.url);
    const subs = [`bench.u.${o.user}`, ...(o.rooms ?? []).map((r) => `bench.r.${r}`)].map((subject) =>
      nc.subscribe(subject, { callback: (_err, msg) => c.onMessage?.(c.decoder.decode(msg.data)) }),
    );
    const c: NatsClient = new NatsClient(o.user, nc, () => {
      for (const s of subs) s.unsubscribe();
    });
    await nc.flush();
    return c;
  }

  async send(to: string, text: string): Promise<void> {
    const [kind, name] = to.split(':');
    this.nc.publish(kind === 'room' ? `bench.r.${name}` : `bench.u.${name}`, text);
  }

  history(): Promise<number> {
    return Promise.reject(new RequestFailed('raw NATS stores nothing'));
  }

  close(): void {
    this.unsubscribe();
  }
}
