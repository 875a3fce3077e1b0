// A process for exit-handlers.test.ts to interrupt or crash:
//   exit-handlers.fixture.ts MODE MARKER_FILE [TIMEOUT_MS]
// Registers teardowns that append their name to MARKER_FILE, prints "ready", then per MODE:
//   wait     idle until signalled          throw   uncaught exception
//   reject   unhandled rejection           hang    the teardown never finishes
//   slow     the teardown takes 2 s        order   three teardowns, the middle one unregistered
//   orderly  an interrupt handler stops in order (300 ms) and exits by itself with the signal's code
//   orderly-slow   the same, taking 5 s    orderly-hang   it never finishes (grace TIMEOUT_MS)

import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { exitCodeForSignal, onInterrupt, registerTeardown } from "./exit-handlers.ts";

const [mode, marker, timeout] = process.argv.slice(2);
const timeoutMs = timeout ? Number(timeout) : undefined;
const record = (name: string) => () => appendFileSync(marker, `${name}\n`);

if (mode.startsWith("orderly")) {
  const unregister = registerTeardown(record("teardown"));
  onInterrupt(
    (signal) => {
      record(`stop ${signal}`)();
      if (mode === "orderly-hang") return;
      void sleep(mode === "orderly-slow" ? 5000 : 300).then(() => {
        record("orderly")();
        unregister();
        process.exit(exitCodeForSignal(signal));
      });
    },
    { graceMs: timeoutMs },
  );
} else if (mode === "order") {
  registerTeardown(record("first"));
  const unregister = registerTeardown(record("second"));
  registerTeardown(record("third"));
  unregister();
} else if (mode === "hang") {
  registerTeardown(() => new Promise(() => {}), { timeoutMs });
} else if (mode === "slow") {
  registerTeardown(async () => {
    await sleep(2000);
    record("slow")();
  });
} else {
  registerTeardown(async () => {
    await sleep(50);
    record("teardown")();
  }, { timeoutMs });
}

process.stdout.write("ready\n");
setInterval(() => {}, 1e9);
if (mode === "throw") setTimeout(() => {
  throw new Error("boom from the fixture");
}, 50);
if (mode === "reject") setTimeout(() => void Promise.reject(new Error("rejected in the fixture")), 50);
