// The Redis Sentinel system's `--opt` options: the knobs that trade availability for fewer lost
// writes, under Redis's own names. The lock's lease is the lock workload's leaseMs, which the
// checker reads too (workloads/lock.ts).

import { UsageError } from "../../harness/errors.ts";
import { declareOptions, type OptionValues } from "../options.ts";

export const redisSentinelOptions = declareOptions("redis-sentinel", {
  "min-replicas-to-write": {
    type: "integer",
    min: 0,
    default: 0,
    help: "a primary refuses writes (NOREPLICAS) unless this many replicas acknowledged it within min-replicas-max-lag; 0 = off",
  },
  "min-replicas-max-lag": { type: "integer", min: 1, default: 10, help: "seconds within which a replica must have acknowledged to count for min-replicas-to-write" },
  wait: {
    type: "integer",
    min: 0,
    default: 0,
    help: "WAIT for this many replicas after each write; a write fewer confirmed is recorded info (a failover may lose it); 0 = no WAIT",
  },
  "wait-timeout-ms": { type: "integer", min: 1, default: 1000, help: "how long WAIT waits for the replicas" },
});

export type RedisSentinelOptions = OptionValues<typeof redisSentinelOptions.declared>;

/** The options, checked against the cluster size: asking for more replicas than exist would make
 *  every write fail or end unknown, which is a misconfiguration, not a finding. */
export function redisSentinelSettings(options: Readonly<Record<string, unknown>>, nodeCount: number): RedisSentinelOptions {
  const parsed = redisSentinelOptions.parse(options);
  const replicas = nodeCount - 1;
  for (const name of ["min-replicas-to-write", "wait"] as const) {
    if (parsed[name] > replicas) {
      throw new UsageError(`redis-sentinel: option ${name}=${parsed[name]} asks for more replicas than the ${nodeCount}-node cluster has (${replicas}); use at most ${replicas}`);
    }
  }
  return parsed;
}
