import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { OpTimedOut } from "../client/timeout.ts";
import { kafkaOutcome } from "./outcome.ts";

// Errors built from kafkajs's own classes, wrapped as its producer's retrier (retries: 0) hands
// them to the client: KafkaJSNumberOfRetriesExceeded around the error the attempt ended with.
const afterRetries = (error: Error) => new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 0, retryTime: 300 });
const protocol = (code: number, type: string) => new KafkaJSProtocolError(Object.assign(new Error(`${type} from the broker`), { type, code, retriable: true }));
// kafkajs has the class; its type declarations lack it.
const connectionClosed = (message: string) => Object.assign(new KafkaJSConnectionError(message), { name: "KafkaJSConnectionClosedError" });

const send = { readOnly: false };
const poll = { readOnly: true };

describe("Kafka outcome by error", () => {
  it("a refused connection does not prove a send was never made: kafkajs reconnects after a failed produce and throws that error instead (info)", () => {
    // What CI saw: the leader appended the message (acks=all), was killed before answering, and the
    // reconnect kafkajs makes after the closed connection was refused; the message was read later.
    const refused = afterRetries(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 192.168.160.4:9092", { code: "ECONNREFUSED" }));
    expect(kafkaOutcome(refused, send, "n2")).toEqual({ type: "info", error: "Connection error: connect ECONNREFUSED 192.168.160.4:9092 (client of n2)" });
    expect(kafkaOutcome(new KafkaJSConnectionError("Connection timeout"), send, "n1")).toMatchObject({ type: "info" });
    expect(kafkaOutcome(connectionClosed("Closed connection"), send, "n1")).toMatchObject({ type: "info" });
  });

  it("metadata errors a refresh after the produce can raise are info for a send: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE", () => {
    expect(kafkaOutcome(afterRetries(protocol(5, "LEADER_NOT_AVAILABLE")), send, "n1")).toMatchObject({ type: "info", error: expect.stringContaining("LEADER_NOT_AVAILABLE (5)") });
    expect(kafkaOutcome(afterRetries(protocol(3, "UNKNOWN_TOPIC_OR_PARTITION")), send, "n1")).toMatchObject({ type: "info" });
  });

  it("the broker's refusal of the produce itself is a fail: leadership and in-sync replicas as unavailability, the request's own faults as an answer", () => {
    expect(kafkaOutcome(afterRetries(protocol(6, "NOT_LEADER_OR_FOLLOWER")), send, "n1")).toEqual({ type: "fail", error: expect.stringContaining("refused by the broker before appending: NOT_LEADER_OR_FOLLOWER (6)") });
    const notEnough = kafkaOutcome(afterRetries(protocol(19, "NOT_ENOUGH_REPLICAS")), send, "n1");
    expect(notEnough).toMatchObject({ type: "fail" });
    expect(notEnough).not.toHaveProperty("answered");
    expect(kafkaOutcome(protocol(10, "MESSAGE_TOO_LARGE"), send, "n1")).toMatchObject({ type: "fail", answered: true });
  });

  it("errors after the leader appended are info: REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, and the op's own timeout", () => {
    expect(kafkaOutcome(afterRetries(protocol(7, "REQUEST_TIMED_OUT")), send, "n1")).toMatchObject({ type: "info" });
    expect(kafkaOutcome(afterRetries(protocol(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND")), send, "n1")).toMatchObject({ type: "info" });
    expect(kafkaOutcome(new OpTimedOut(), send, "n1")).toMatchObject({ type: "info" });
  });

  it("a poll or drain that did not finish changed nothing: fail, whatever the error", () => {
    const refused = afterRetries(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"));
    expect(kafkaOutcome(refused, poll, "n1")).toMatchObject({ type: "fail", error: expect.stringContaining("did not happen") });
    expect(kafkaOutcome(new OpTimedOut(), poll, "n1")).toMatchObject({ type: "fail" });
  });
});
