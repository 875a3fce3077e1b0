// The Redis Sentinel system's test-spec options (spec.options): the knobs that trade availability
// for fewer lost writes, and the lock's lease. Values come as strings from --opt name=value or as
// numbers from a YAML spec; both are accepted.

export interface RedisSentinelOptions {
  /** min-replicas-to-write on every server: a primary refuses writes (NOREPLICAS) unless this
   *  many replicas have acknowledged it within minReplicasMaxLagS. 0 = off (Redis's default). */
  minReplicasToWrite: number;
  minReplicasMaxLagS: number;
  /** WAIT for this many replicas after each write; a write fewer replicas confirmed is recorded
   *  info, since the primary applied it but a failover may lose it. 0 = no WAIT. */
  wait: number;
  waitTimeoutMs: number;
  /** The lock workload's lease (SET … PX). Pass the same value as the workload's leaseMs. */
  lockTtlMs: number;
}

const DEFAULTS: RedisSentinelOptions = { minReplicasToWrite: 0, minReplicasMaxLagS: 10, wait: 0, waitTimeoutMs: 1000, lockTtlMs: 10_000 };

function integerOption(options: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`redis-sentinel: option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}; pass e.g. --opt ${name}=${Math.max(min, fallback)}`);
  }
  return value;
}

/** The options, checked against the cluster size: asking for more replicas than exist would make
 *  every write fail or end unknown, which is a misconfiguration, not a finding. */
export function redisSentinelOptions(options: Record<string, unknown>, nodeCount: number): RedisSentinelOptions {
  const parsed: RedisSentinelOptions = {
    minReplicasToWrite: integerOption(options, "min-replicas-to-write", DEFAULTS.minReplicasToWrite, 0),
    minReplicasMaxLagS: integerOption(options, "min-replicas-max-lag", DEFAULTS.minReplicasMaxLagS, 1),
    wait: integerOption(options, "wait", DEFAULTS.wait, 0),
    waitTimeoutMs: integerOption(options, "wait-timeout-ms", DEFAULTS.waitTimeoutMs, 1),
    lockTtlMs: integerOption(options, "lock-ttl-ms", DEFAULTS.lockTtlMs, 1),
  };
  const replicas = nodeCount - 1;
  for (const [name, value] of [["min-replicas-to-write", parsed.minReplicasToWrite], ["wait", parsed.wait]] as const) {
    if (value > replicas) throw new Error(`redis-sentinel: option ${name}=${value} asks for more replicas than the ${nodeCount}-node cluster has (${replicas}); use at most ${replicas}`);
  }
  return parsed;
}
