// The textbook nodes' client port as a harness watching their events sees it: SUBSCRIBE confirms
// per channel, a publish reaches every subscriber (and only while one listens), and a subscriber
// that hangs up stops counting.

import { afterEach, describe, expect, it } from "vitest";
import { createConnection } from "../raft/redis-connection.ts";
import { errorReply } from "../raft/resp/reply.ts";
import { TextbookRespServer } from "./resp-server.ts";

let server: TextbookRespServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<TextbookRespServer> {
  server = new TextbookRespServer({ host: "127.0.0.1", port: 0, handler: { handle: async () => errorReply("ERR nothing here"), info: () => "# Server\r\n" }, log: () => undefined });
  await server.start();
  return server;
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("textbook RESP server pub/sub", () => {
  it("pushes what is published to each subscriber of the channel, and knows when nobody listens", async () => {
    const resp = await start();
    expect(resp.hasSubscribers("faultline-events")).toBe(false);
    const redis = createConnection({ node: "n1", host: "127.0.0.1", port: resp.port() }, 1000, 1000);
    const heard: [string, string][] = [];
    redis.on("message", (channel: string, message: string) => heard.push([channel, message]));
    await redis.connect();
    expect(await redis.subscribe("faultline-events", "other")).toBe(2);
    expect(resp.hasSubscribers("faultline-events")).toBe(true);
    resp.publish("faultline-events", '{"kind":"prepared","term":1}');
    resp.publish("unheard", "nobody listens here");
    await until(() => heard.length >= 1);
    expect(heard).toEqual([["faultline-events", '{"kind":"prepared","term":1}']]);
    redis.disconnect();
    await until(() => !resp.hasSubscribers("faultline-events"));
  });

  it("refuses SUBSCRIBE without a channel, as Redis does", async () => {
    const resp = await start();
    const redis = createConnection({ node: "n1", host: "127.0.0.1", port: resp.port() }, 1000, 1000);
    await redis.connect();
    await expect(redis.call("SUBSCRIBE")).rejects.toThrow(/wrong number of arguments for 'subscribe'/);
    expect(await redis.ping()).toBe("PONG");
    redis.disconnect();
  });
});
