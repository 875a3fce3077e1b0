// The worker thread behind SnapshotReplica (snapshot-replica.ts): keeps a copy of the node's
// state machine and serializes it on request, so that the node's event loop never does.

import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { KvStateMachine } from "../kv/state-machine.ts";
import type { ReplicaReply, ReplicaRequest } from "./snapshot-replica.ts";

const port = parentPort;
if (!port) throw new Error("snapshot-worker.ts runs only as a worker thread (see snapshot-replica.ts)");

// Lowest CPU priority, for this thread only: on Linux, setpriority on "the calling process"
// applies to the calling thread. Serializing a large state is a burst of CPU that should never
// delay the event loops (of this node or its peers on the same machine) that answer heartbeats.
try {
  setPriority(19);
} catch {
  // Not permitted on this platform: the snapshot still works, just at normal priority.
}

const machine = new KvStateMachine();

function reply(message: ReplicaReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on("message", (request: ReplicaRequest) => {
  try {
    switch (request.kind) {
      case "restore":
        machine.restore(request.data);
        return;
      case "apply":
        for (const entry of request.entries) machine.apply(entry.index, entry.data);
        return;
      case "snapshot": {
        if (machine.appliedIndex !== request.index) {
          throw new Error(`asked for a snapshot at index ${request.index} but the copy has applied up to ${machine.appliedIndex}`);
        }
        const image = machine.snapshot();
        // A fresh copy owns its whole ArrayBuffer, so it can be handed over without copying again.
        const data = new Uint8Array(image.length);
        data.set(image);
        reply({ kind: "snapshot", index: request.index, data }, [data.buffer]);
        return;
      }
    }
  } catch (error) {
    reply({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
