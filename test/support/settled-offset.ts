// Reading a clock the nemesis just moved: our nodes look at their clock file every 10 ms (and
// libfaketime at its control file about as often), so a clock asked at once after a change can
// still answer the old offset on an idle machine. Ask until it settles.

/** How far the clock `observe` reads is from `targetMs` once it came within `toleranceMs` of it, or
 *  the last distance seen after 2 s of asking. */
export async function settledOffset(observe: () => Promise<number | undefined>, targetMs: number, toleranceMs: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const distance = Math.abs(((await observe()) ?? Infinity) - targetMs);
    if (distance < toleranceMs || Date.now() > deadline) return distance;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
