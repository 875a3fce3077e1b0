// A harness that will be killed: creates a LocalRuntime in the store given as argv[2], starts two
// nodes that each start a child of their own, prints {"stateFile", "leaders"} as one JSON line,
// and then waits to be SIGKILLed without tearing anything down.

import { join } from "node:path";
import { LocalRuntime } from "../local-runtime.ts";
import { processGroupMembers } from "../proc.ts";
import { storeStateDir } from "../run-state.ts";
import { waitFor } from "./wait.ts";

const store = process.argv[2];
if (!store) throw new Error("orphan-runtime: pass the store directory as the first argument");

// Each node forks a grandchild, like a server with a helper process; cleanup must find both.
const nodeScript = `
  require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1e9)"], { stdio: "ignore" });
  setInterval(() => {}, 1e9);
`;

const runtime = await LocalRuntime.create({
  nodes: ["a", "b"],
  dir: join(store, "orphans", "run", "nodes"),
  seed: 1,
  stateDir: storeStateDir(store),
});
for (const node of ["a", "b"]) await runtime.start(node, { command: process.execPath, args: ["-e", nodeScript] });
const leaders = ["a", "b"].map((node) => runtime.pid(node)!);
await waitFor("every node's helper process", () => leaders.every((pid) => processGroupMembers(pid).length === 2));
process.stdout.write(`${JSON.stringify({ stateFile: runtime.stateFilePath, leaders })}\n`);
setInterval(() => {}, 1e9);
