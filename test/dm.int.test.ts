import { startCluster } from './helpers/cluster.ts';
import { dmScenario } from './scenarios/dm.ts';

/**
 * Direct messages across processes: two gateways, history, rooms and presence each in its
 * own process, on real nats-server, redis-server and Postgres.
 */
dmScenario(() => startCluster());
