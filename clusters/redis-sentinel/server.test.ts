// How a node's configs and ports come out of the runtime's addresses and the options, for both
// runtime layouts: distinct ports on one address (local) and one well-known port per address (docker).

import { describe, expect, it } from "vitest";
import type { NodeInfo } from "../runtime/runtime.ts";
import { redisSentinelSettings } from "./options.ts";
import { nodeProcessSpec, redisConfig, sentinelConfig, sentinelPort, sentinelQuorum } from "./server.ts";

const local = (name: string, clientPort: number, peerPort: number): NodeInfo => ({ name, host: "127.0.0.1", clientPort, peerPort, dataDir: `/data/${name}` });
const LOCAL = [local("n1", 11001, 11002), local("n2", 11003, 11004), local("n3", 11005, 11006)];
const addresses = (infos: NodeInfo[]) => ({ node: (name: string) => infos.find((info) => info.name === name)! });
const defaults = redisSentinelSettings({}, 3);

describe("redis-sentinel node configuration", () => {
  it("puts the sentinel on the peer port locally and on 26379 where client and peer port are one", () => {
    expect(sentinelPort(LOCAL[1])).toBe(11004);
    expect(sentinelPort({ name: "n1", host: "172.20.0.2", clientPort: 6379, peerPort: 6379, dataDir: "/var/lib/faultline/n1" })).toBe(26379);
  });

  it("needs a majority of sentinels to agree the primary is down", () => {
    expect([1, 2, 3, 4, 5].map(sentinelQuorum)).toEqual([1, 2, 2, 3, 3]);
  });

  it("makes the first node primary and the others its replicas, with the write knobs on every node", () => {
    const options = redisSentinelSettings({ "min-replicas-to-write": "1", "min-replicas-max-lag": 5 }, 3);
    const primary = redisConfig(LOCAL[0], undefined, options);
    const replica = redisConfig(LOCAL[2], LOCAL[0], options);
    expect(primary).not.toMatch(/replicaof/);
    expect(replica).toMatch(/^replicaof 127\.0\.0\.1 11001$/m);
    for (const config of [primary, replica]) {
      expect(config).toMatch(/^min-replicas-to-write 1$/m);
      expect(config).toMatch(/^min-replicas-max-lag 5$/m);
    }
    expect(replica).toMatch(/^port 11005$/m);
    expect(replica).toMatch(/^dir \/data\/n3\/redis$/m);
  });

  it("has every sentinel monitor the first node with the majority quorum", () => {
    const config = sentinelConfig(LOCAL[1], LOCAL[0], 3);
    expect(config).toMatch(/^port 11004$/m);
    expect(config).toMatch(/^sentinel monitor faultline 127\.0\.0\.1 11001 2$/m);
    expect(config.indexOf("sentinel monitor")).toBeLessThan(config.indexOf("sentinel down-after-milliseconds"));
  });

  it("starts both servers from one shell that becomes redis-server", () => {
    const spec = nodeProcessSpec(addresses(LOCAL), ["n1", "n2", "n3"], "n2", defaults);
    expect(spec.command).toBe("sh");
    expect(spec.args[1]).toMatch(/setpriv --pdeathsig KILL redis-sentinel .*&\nexec redis-server/);
    expect(spec.args.slice(3)).toEqual(["/data/n2", redisConfig(LOCAL[1], LOCAL[0], defaults), sentinelConfig(LOCAL[1], LOCAL[0], 3)]);
  });
});

describe("redis-sentinel options", () => {
  it("takes integers as numbers or strings, with defaults", () => {
    expect(redisSentinelSettings({ wait: "2", "wait-timeout-ms": 500 }, 3)).toEqual({ "min-replicas-to-write": 0, "min-replicas-max-lag": 10, wait: 2, "wait-timeout-ms": 500 });
  });

  it("rejects what cannot be meant, naming the option", () => {
    expect(() => redisSentinelSettings({ wait: "two" }, 3)).toThrow(/option wait must be an integer ≥ 0, got "two"/);
    expect(() => redisSentinelSettings({ "min-replicas-max-lag": 0 }, 3)).toThrow(/min-replicas-max-lag must be an integer ≥ 1/);
    expect(() => redisSentinelSettings({ "min-replicas-to-write": "3" }, 3)).toThrow(/more replicas than the 3-node cluster has \(2\)/);
  });
});
