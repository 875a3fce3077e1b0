import { describe, expect, it } from "vitest";
import { VirtualClock } from "./clock.ts";

describe("VirtualClock", () => {
  it("wakes sleepers in deadline order and only when time reaches them", async () => {
    const clock = new VirtualClock();
    const woke: number[] = [];
    void clock.sleepUntil(30).then(() => woke.push(30));
    void clock.sleepUntil(10).then(() => woke.push(10));
    expect(clock.nextWakeNs()).toBe(10);
    clock.advanceTo(20);
    await Promise.resolve();
    expect(woke).toEqual([10]);
    clock.advanceTo(30);
    await Promise.resolve();
    expect(woke).toEqual([10, 30]);
    expect(() => clock.advanceTo(5)).toThrow(/cannot go back/);
  });

  it("removes its abort listener when a sleeper wakes, so one signal serves many sleeps", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    for (let i = 1; i <= 50; i++) {
      const slept = clock.sleepUntil(i * 10, controller.signal);
      clock.advanceTo(i * 10);
      await slept;
    }
    expect(listeners).toBe(0);
  });

  it("an abort wakes the sleeper early", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const slept = clock.sleepUntil(1_000, controller.signal);
    controller.abort();
    await slept;
    expect(clock.nextWakeNs()).toBeUndefined();
  });
});
