// The twopc system's `--opt` options: each becomes the node's flag of the same meaning (args.ts).

import { declareOptions } from "../options.ts";

export const twopcOptions = declareOptions("twopc", {
  protocol: {
    type: "choice",
    choices: ["2pc", "3pc"],
    default: "2pc",
    help: "2pc: prepare then commit, a participant in doubt waits for its coordinator (blocks); 3pc: canCommit, preCommit, doCommit, a pre-committed participant commits on its own after commitTimeoutMs",
  },
  storage: {
    type: "choice",
    choices: ["fsync", "power-loss"],
    default: "fsync",
    help: "fsync: records are on disk before a vote or decision leaves; power-loss: a killed node loses what it had not fsynced, as after a power cut",
  },
  voteTimeoutMs: { type: "integer", min: 10, default: 1000, help: "coordinator: votes (3PC: also preCommit acknowledgements) not all in by then ⇒ abort" },
  lockWaitMs: { type: "integer", min: 10, default: 500, help: "participant: a request that cannot take its locks within this long votes no (keep it below voteTimeoutMs)" },
  commitTimeoutMs: { type: "integer", min: 10, default: 2000, help: "3PC participant: pre-committed and no doCommit nor abort within this long ⇒ it commits on its own (keep it above voteTimeoutMs)" },
  inquireMs: { type: "integer", min: 10, default: 500, help: "2PC participant in doubt: asks its coordinator for the decision this often; coordinators resend unacknowledged commits as often" },
  snapshotEvery: { type: "integer", min: 1, default: 10_000, help: "records a node logs between snapshots of its store" },
});

/** Option → the node's flag (storage has its own, shared with every textbook node). */
export const TWOPC_OPTION_FLAGS = {
  protocol: "--protocol",
  voteTimeoutMs: "--vote-timeout-ms",
  lockWaitMs: "--lock-wait-ms",
  commitTimeoutMs: "--commit-timeout-ms",
  inquireMs: "--inquire-ms",
  snapshotEvery: "--snapshot-every",
  storage: "--storage",
} as const satisfies Record<keyof typeof twopcOptions.declared, string>;
