// Polling helpers for tests that watch real processes and sockets: wait for a condition with a
// generous deadline instead of sleeping a fixed time and hoping.

import { setTimeout as sleep } from "node:timers/promises";

/** Resolves with the first truthy value of `probe`; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export { sleep };
