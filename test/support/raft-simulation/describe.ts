// How Raft values read in simulation traces, safety violations and scenario transcripts. The
// scenario transcripts (clusters/raft/core/testdata) pin these texts: a change here shows there.

import { decodeConfig, type Entry, type Message, type Ready } from "../../../clusters/raft/core/types.ts";

const decoder = new TextDecoder();

/** A readable identity for an entry: two entries are the same iff their keys are. */
export function entryKey(entry: Entry): string {
  if (entry.kind === "noop") return `${entry.term}:noop`;
  if (entry.kind === "config") return `${entry.term}:config ${decodeConfig(entry.data).join(",")}`;
  return `${entry.term}:${decoder.decode(entry.data)}`;
}

export function describeEntry(entry: Entry): string {
  if (entry.kind === "noop") return `${entry.index}@${entry.term} noop`;
  if (entry.kind === "config") return `${entry.index}@${entry.term} config ${decodeConfig(entry.data).join(",")}`;
  return `${entry.index}@${entry.term} ${JSON.stringify(decoder.decode(entry.data))}`;
}

export function describeMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} term=${message.term}`;
  switch (message.type) {
    case "appendEntries":
      return `${head} prev=${message.prevIndex}@${message.prevTerm} commit=${message.commit} [${message.entries.map(describeEntry).join(", ")}]`;
    case "appendEntriesResponse":
      return message.reject ? `${head} reject index=${message.index} hint=${message.hintIndex}@${message.hintTerm}` : `${head} index=${message.index}`;
    case "heartbeat":
      return `${head} commit=${message.commit}${message.context === undefined ? "" : ` context=${message.context}`}`;
    case "heartbeatResponse":
      return `${head}${message.context === undefined ? "" : ` context=${message.context}`}`;
    case "requestVote":
      return `${head}${message.preVote ? " pre" : ""} last=${message.lastIndex}@${message.lastTerm}`;
    case "requestVoteResponse":
      return `${head}${message.preVote ? " pre" : ""} ${message.granted ? "granted" : "rejected"}`;
    case "installSnapshot":
      return `${head} snapshot=${message.snapshot.metadata.index}@${message.snapshot.metadata.term}`;
  }
}

/** A whole Ready on one line (the randomized simulation's trace). */
export function describeReady(ready: Ready): string {
  const parts: string[] = [];
  if (ready.softState !== undefined) parts.push(`${ready.softState.role} (leader ${ready.softState.leader})`);
  if (ready.hardState !== undefined) parts.push(`hard term=${ready.hardState.term} vote=${ready.hardState.vote} commit=${ready.hardState.commit}`);
  if (ready.snapshot !== undefined) parts.push(`snapshot ${ready.snapshot.metadata.index}@${ready.snapshot.metadata.term}`);
  if (ready.entries.length > 0) parts.push(`persist [${ready.entries.map(describeEntry).join(", ")}]`);
  if (ready.committedEntries.length > 0) parts.push(`apply ${ready.committedEntries[0].index}..${ready.committedEntries[ready.committedEntries.length - 1].index}`);
  if (ready.messages.length > 0) parts.push(`${ready.messages.length} msgs`);
  if (ready.readStates.length > 0) parts.push(`reads ${ready.readStates.map((read) => `${read.requestId}@${read.index}`).join(" ")}`);
  return parts.join("; ");
}
