// A stand-in harness for the "killed mid-run" test: creates a docker runtime with a running server,
// says READY, and waits to be SIGKILLed, so nothing of its own cleanup can run.

import { DockerRuntime } from "../../../clusters/runtime/docker/docker-runtime.ts";
import { BASE_IMAGE } from "../../../clusters/runtime/docker/images/names.ts";

const runId = process.argv[2];
if (!runId) throw new Error("usage: hold-runtime.ts RUN_ID");
const runtime = await DockerRuntime.create({ nodes: ["n1", "n2"], image: BASE_IMAGE, runId, clientPort: 5000, peerPort: 5001 });
await runtime.start("n1", { command: "sleep", args: ["3600"] });
await runtime.partition({ n1: ["n2"] });
process.stdout.write(`READY ${runtime.networkName}\n`);
setInterval(() => {}, 60_000);
