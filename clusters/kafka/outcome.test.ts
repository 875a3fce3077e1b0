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
const refused = () => afterRetries(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 192.168.160.4:9092", { code: "ECONNREFUSED" }));

const send = { readOnly: false };
const poll = { readOnly: true };
const WROTE_PRODUCE = true;
const WROTE_NONE = false;

describe("Kafka outcome by error", () => {
  it("a send that wrote no produce request and could not connect was not sent (fail)", () => {
    expect(kafkaOutcome(refused(), send, "n2", WROTE_NONE)).toEqual({ type: "fail", error: "not sent: no produce request was written (client of n2): Connection error: connect ECONNREFUSED 192.168.160.4:9092" });
    expect(kafkaOutcome(new KafkaJSConnectionError("Connection timeout"), send, "n1", WROTE_NONE)).toMatchObject({ type: "fail" });
    expect(kafkaOutcome(afterRetries(protocol(5, "LEADER_NOT_AVAILABLE")), send, "n1", WROTE_NONE)).toMatchObject({ type: "fail", error: expect.stringContaining("LEADER_NOT_AVAILABLE (5)") });
  });

  it("once a produce request was written, a refused connection or a metadata error proves nothing: kafkajs reconnects and refreshes after a failed produce and throws that error instead (info)", () => {
    // What CI saw: the leader appended the message (acks=all), was killed before answering, and the
    // reconnect kafkajs makes after the closed connection was refused; the message was read later.
    expect(kafkaOutcome(refused(), send, "n2", WROTE_PRODUCE)).toMatchObject({ type: "info", error: expect.stringContaining("may have been appended") });
    expect(kafkaOutcome(afterRetries(protocol(5, "LEADER_NOT_AVAILABLE")), send, "n1", WROTE_PRODUCE)).toMatchObject({ type: "info" });
    expect(kafkaOutcome(afterRetries(protocol(3, "UNKNOWN_TOPIC_OR_PARTITION")), send, "n1", WROTE_PRODUCE)).toMatchObject({ type: "info" });
  });

  it("the broker's refusal of the produce itself is a fail: leadership and in-sync replicas as unavailability, the request's own faults as an answer", () => {
    expect(kafkaOutcome(afterRetries(protocol(6, "NOT_LEADER_OR_FOLLOWER")), send, "n1", WROTE_PRODUCE)).toEqual({ type: "fail", error: expect.stringContaining("refused by the broker before appending: NOT_LEADER_OR_FOLLOWER (6)") });
    const notEnough = kafkaOutcome(afterRetries(protocol(19, "NOT_ENOUGH_REPLICAS")), send, "n1", WROTE_PRODUCE);
    expect(notEnough).toMatchObject({ type: "fail" });
    expect(notEnough).not.toHaveProperty("answered");
    expect(kafkaOutcome(protocol(10, "MESSAGE_TOO_LARGE"), send, "n1", WROTE_PRODUCE)).toMatchObject({ type: "fail", answered: true });
  });

  it("errors after the request went out are info whatever was counted: a closed connection, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, the op's own timeout", () => {
    for (const written of [WROTE_PRODUCE, WROTE_NONE]) {
      expect(kafkaOutcome(connectionClosed("Closed connection"), send, "n1", written)).toMatchObject({ type: "info" });
      expect(kafkaOutcome(afterRetries(protocol(7, "REQUEST_TIMED_OUT")), send, "n1", written)).toMatchObject({ type: "info" });
      expect(kafkaOutcome(afterRetries(protocol(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND")), send, "n1", written)).toMatchObject({ type: "info" });
      expect(kafkaOutcome(new OpTimedOut(), send, "n1", written)).toMatchObject({ type: "info" });
    }
  });

  it("a poll or drain that did not finish changed nothing: fail, whatever the error", () => {
    expect(kafkaOutcome(afterRetries(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092")), poll, "n1", WROTE_NONE)).toMatchObject({ type: "fail" });
    expect(kafkaOutcome(connectionClosed("Closed connection"), poll, "n1", WROTE_NONE)).toMatchObject({ type: "fail", error: expect.stringContaining("did not happen") });
    expect(kafkaOutcome(new OpTimedOut(), poll, "n1", WROTE_NONE)).toMatchObject({ type: "fail" });
  });
});
