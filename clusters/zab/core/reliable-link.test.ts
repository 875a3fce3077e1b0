import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Rng } from "../../../harness/rng.ts";
import { ReliableLink, type Sequenced } from "./reliable-link.ts";

interface Packet extends Sequenced {
  payload: string;
}

function sender(retransmitTicks = 2, maxTimeoutTicks = retransmitTicks * 4): ReliableLink<Packet> {
  return new ReliableLink<Packet>(7, 0, 0, retransmitTicks, maxTimeoutTicks);
}

const send = (link: ReliableLink<Packet>, payload: string) => link.send((sequence, acknowledged) => ({ sequence, acknowledged, payload }));

describe("reliable link: TCP's guarantee over a lossy, reordering network", () => {
  test("in order, once: later messages wait for an earlier one, duplicates are dropped", () => {
    const a = sender();
    const b = sender();
    const [first, second, third] = ["x", "y", "z"].map((payload) => send(a, payload));
    expect(b.arrive(third)).toEqual([]);
    expect(b.arrive(second)).toEqual([]);
    expect(b.heldCount).toBe(2);
    expect(b.arrive(first)).toEqual([first, second, third]);
    expect(b.arrive(second)).toEqual([]);
    expect(b.heldCount).toBe(0);
  });

  test("acknowledged messages are forgotten; the rest go again after retransmitTicks silent ticks", () => {
    const a = sender(2);
    const b = sender(2);
    const sent = ["x", "y", "z"].map((payload) => send(a, payload));
    b.arrive(sent[0]);
    // b's next message acknowledges one message.
    a.arrive(send(b, "ack"));
    expect(a.unacknowledgedCount).toBe(2);
    expect(a.tick()).toEqual([]);
    const again = a.tick();
    expect(again.map((packet) => packet.payload)).toEqual(["y", "z"]);
    // Retransmissions carry the current acknowledgement of the other direction.
    expect(again.every((packet) => packet.acknowledged === 1)).toBe(true);
  });

  test("the RTO doubles while nothing is acknowledged, up to its cap, and drops back on an acknowledgement", () => {
    const a = sender(2, 6);
    const b = sender(2, 6);
    send(a, "x");
    const gaps: number[] = [];
    let last = 0;
    for (let tick = 1; tick <= 30; tick++) {
      if (a.tick().length > 0) {
        gaps.push(tick - last);
        last = tick;
      }
    }
    // 2, then doubled to 4, then capped at 6 (not 8).
    expect(gaps).toEqual([2, 4, 6, 6, 6, 6]);
    // x's retransmission gets through at last, with y.
    b.arrive({ sequence: 0, acknowledged: 0, payload: "x" });
    b.arrive(send(a, "y"));
    a.arrive(send(b, "ack"));
    expect(a.unacknowledgedCount).toBe(0);
    expect(a.timeoutTicks()).toBe(2);
  });

  test("a connection with too many messages held back is broken", () => {
    const a = sender();
    const b = sender();
    send(a, "lost");
    let outcome: Packet[] | "broken" = [];
    for (let i = 0; i < 5000 && outcome !== "broken"; i++) outcome = b.arrive(send(a, `m${i}`));
    expect(outcome).toBe("broken");
  });

  test("property: any mix of loss, duplication and reordering, with retransmission, delivers each message once, in order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer(), (count, seed) => {
        const random = new Rng(seed);
        const a = sender(1);
        const b = sender(1);
        const delivered: string[] = [];
        let network: Packet[] = Array.from({ length: count }, (_, i) => send(a, `m${i}`));
        for (let round = 0; round < 200 && delivered.length < count; round++) {
          // Lose a quarter, duplicate a fifth, shuffle.
          network = random.shuffle(network.filter(() => !random.bool(0.25)).flatMap((packet) => (random.bool(0.2) ? [packet, packet] : [packet])));
          for (const packet of network) {
            const released = b.arrive(packet);
            if (released !== "broken") delivered.push(...released.map((p) => p.payload));
          }
          a.arrive(send(b, "ack"));
          network = a.tick();
        }
        expect(delivered).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
      }),
    );
  });
});
