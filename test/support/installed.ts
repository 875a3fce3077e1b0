// Tests that need a real server (PostgreSQL, etcd, ZooKeeper, Redis) or Chromium skip where it is
// not installed — a developer's laptop may lack one. CI installs every one of them, so there a
// missing server means a broken install step: with CI=true the skip becomes a failing test that
// names what is missing and what installs it.

import { describe, it } from "vitest";

/** True when the suite should be skipped: `present` is false. Under CI=true it also registers a
 *  failing test, so the skip cannot pass unnoticed. */
export function missing(present: boolean, what: string, installedBy: string): boolean {
  if (present) return false;
  if (process.env.CI === "true") {
    describe(`${what} for this suite`, () => {
      it("is installed (CI installs it; its absence means an install step broke)", () => {
        throw new Error(`${what} is missing on a CI machine; ${installedBy} should have installed it`);
      });
    });
  }
  return true;
}
