// How Faultline's side (clients, probes) connects to a Raft node with ioredis: no offline queue,
// no retries, no reconnects, no ready check. Each of those would hide what happened to a command —
// a command ioredis silently resent could be applied twice, or look failed when it was not.

import { Redis } from "ioredis";

export interface Endpoint {
  node: string;
  host: string;
  port: number;
}

/** `commandTimeoutMs`: reject a command not answered by then (none by default: the op's own
 *  deadline decides, and the caller then drops the connection). */
export function createConnection(endpoint: Endpoint, connectTimeoutMs = 1000, commandTimeoutMs?: number): Redis {
  const redis = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
  });
  // Failures surface through the command or connect() promises; without a listener ioredis would
  // also print every connection error to stderr.
  redis.on("error", () => undefined);
  return redis;
}
