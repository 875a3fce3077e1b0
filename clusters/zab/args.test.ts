import { describe, expect, it } from "vitest";
import { parseServerArguments } from "./args.ts";
import { zabOptions, ZAB_OPTION_FLAGS } from "./options.ts";

const BASE = ["--name", "n1", "--client-port", "7001", "--peer-port", "7002", "--data-dir", "/tmp/x", "--peers", "n2=127.0.0.1:7004,n3=127.0.0.1:7006"];

describe("zab server arguments", () => {
  it("fsync in libuv's pool by default; --fsync-in event-loop blocks the loop instead; anything else is refused with the choices", () => {
    expect(parseServerArguments(BASE).fsyncIn).toBe("pool");
    expect(parseServerArguments([...BASE, "--fsync-in", "event-loop"]).fsyncIn).toBe("event-loop");
    expect(() => parseServerArguments([...BASE, "--fsync-in", "thread"])).toThrow(/^--fsync-in must be pool or event-loop, got 'thread'/);
  });

  it("the run's --opt fsyncIn reaches the server as --fsync-in, checked against its choices", () => {
    expect(zabOptions.parse({}).fsyncIn).toBe("pool");
    expect(zabOptions.parse({ fsyncIn: "event-loop" }).fsyncIn).toBe("event-loop");
    expect(() => zabOptions.parse({ fsyncIn: "disk" })).toThrow(/fsyncIn/);
    expect(ZAB_OPTION_FLAGS.fsyncIn).toBe("--fsync-in");
    expect(parseServerArguments([...BASE, ZAB_OPTION_FLAGS.fsyncIn, zabOptions.parse({ fsyncIn: "event-loop" }).fsyncIn]).fsyncIn).toBe("event-loop");
  });

  it("refuses a peer list naming the server itself, and a bad storage mode", () => {
    expect(() => parseServerArguments([...BASE.slice(0, -1), "n1=127.0.0.1:7004"])).toThrow(/names this server \(n1\) itself/);
    expect(() => parseServerArguments([...BASE, "--storage", "tape"])).toThrow(/^--storage must be fsync or power-loss/);
  });
});
