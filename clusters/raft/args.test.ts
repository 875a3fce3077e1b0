import { describe, expect, it } from "vitest";
import { parseNodeArguments } from "./args.ts";

const required = ["--name", "n1", "--client-port", "7001", "--peer-port", "7101", "--data-dir", "/tmp/n1"];

describe("parseNodeArguments", () => {
  it("reads every flag, with defaults for the optional ones", () => {
    const config = parseNodeArguments([...required, "--peers", "n2=127.0.0.1:7102,n3=127.0.0.1:7103", "--bug", "stale-read", "--bug", "no-fsync", "--storage", "power-loss", "--max-inflight", "1"]);
    expect(config).toMatchObject({
      name: "n1",
      host: "127.0.0.1",
      clientPort: 7001,
      peerPort: 7101,
      peers: [{ name: "n2", host: "127.0.0.1", port: 7102 }, { name: "n3", host: "127.0.0.1", port: 7103 }],
      storage: "power-loss",
      bugs: ["stale-read", "no-fsync"],
      tickMs: 10,
      electionTicks: 10,
      heartbeatTicks: 1,
      snapshotEvery: 10_000,
      maxEntriesPerMessage: 64,
      maxInflight: 1,
    });
  });

  it("refuses bad input with a message that names the flag", () => {
    expect(() => parseNodeArguments(required.slice(2))).toThrow(/missing --name/);
    expect(() => parseNodeArguments([...required, "--bug", "everything"])).toThrow(/unknown --bug 'everything'; known bugs: stale-read/);
    expect(() => parseNodeArguments([...required, "--storage", "tape"])).toThrow(/--storage must be fsync or power-loss/);
    expect(() => parseNodeArguments([...required, "--peers", "n2:7102"])).toThrow(/--peers: 'n2:7102' is not NAME=HOST:PORT/);
    expect(() => parseNodeArguments([...required, "--peers", "n1=127.0.0.1:7102"])).toThrow(/names this node/);
    expect(() => parseNodeArguments([...required, "--heartbeat-ticks", "10"])).toThrow(/must be below --election-ticks/);
    expect(() => parseNodeArguments([...required, "--client-port", "70000"])).toThrow(/not a TCP port/);
    expect(() => parseNodeArguments([...required, "--max-inflight", "0"])).toThrow(/--max-inflight/);
  });
});
