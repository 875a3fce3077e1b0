// The README's examples that need more than `npm test` has — PostgreSQL or ZooKeeper on this
// machine, Docker and root, or minutes of runs (the smoke suite) — run as written (README.md read
// by test/support/readme-examples.ts; test/e2e/readme-examples.test.ts checks that every README
// command has a test and runs the rest). Each asserts the exit code and the verdict the README's
// comment promises. `sudo` is dropped: this tier runs as root.

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { readmeCommands, runReadmeExample } from "../support/readme-examples.ts";
import { SYSTEM_EXAMPLES } from "../support/readme-expectations.ts";

const scratch = mkdtempSync(join(tmpdir(), "faultline-readme-systems-"));
// The PostgreSQL server runs as the postgres user under a root harness: it must enter the store.
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const shown = new Set(readmeCommands().map((c) => c.command));

describe.sequential("README examples that need other servers, Docker or minutes", () => {
  for (const [command, example] of Object.entries(SYSTEM_EXAMPLES)) {
    it.runIf(shown.has(command))(command, () => runReadmeExample(command, example, scratch), example.timeoutMs + 30_000);
  }
});
