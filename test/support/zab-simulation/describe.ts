// How ZAB values read in simulation traces, safety violations and scenario transcripts. The
// scenario transcripts (clusters/zab/core/testdata) pin these texts: a change here shows there.

import type { Message, Proposal, Ready, Vote } from "../../../clusters/zab/core/types.ts";
import { formatZxid } from "../../../clusters/zab/core/zxid.ts";

const decoder = new TextDecoder();

/** A readable identity for a proposal: two proposals are the same iff their keys are. */
export function proposalKey(proposal: Proposal): string {
  return `${formatZxid(proposal.zxid)} ${JSON.stringify(decoder.decode(proposal.data))}`;
}

export function describeVote(vote: Vote): string {
  return vote.leader === 0 ? "(none)" : `(${vote.leader}, ${formatZxid(vote.zxid)}, epoch ${vote.epoch})`;
}

export function describeMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type}`;
  switch (message.type) {
    case "notification":
      return `${head} ${message.state} round=${message.round} vote=${describeVote(message.vote)}`;
    case "followerInfo":
      return `${head} acceptedEpoch=${message.acceptedEpoch}${message.observer ? " observer" : ""}`;
    case "leaderInfo":
      return `${head} epoch=${message.epoch}`;
    case "ackEpoch":
      return `${head} currentEpoch=${message.currentEpoch} last=${formatZxid(message.lastZxid)}${message.alreadyAccepted ? " already-accepted" : ""}`;
    case "sync": {
      const parts: string[] = [message.mode];
      if (message.snapshot !== undefined) parts.push(`snapshot=${formatZxid(message.snapshot.zxid)}`);
      if (message.truncateTo !== undefined) parts.push(`to=${formatZxid(message.truncateTo)}`);
      return `${head} ${parts.join(" ")} [${message.proposals.map(proposalKey).join(", ")}]`;
    }
    case "newLeader":
    case "ackNewLeader":
      return `${head} epoch=${message.epoch}`;
    case "upToDate":
      return `${head} commit=${formatZxid(message.commit)}`;
    case "proposal":
    case "inform":
      return `${head} ${proposalKey(message.proposal)}`;
    case "ack":
    case "commit":
      return `${head} ${formatZxid(message.zxid)}`;
    case "ping":
    case "pong":
      return head;
    case "app":
      return `${head} ${message.data.length} bytes`;
  }
}

/** A whole Ready on one line (the randomized simulation's trace). */
export function describeReady(ready: Ready): string {
  const parts: string[] = [];
  if (ready.softState !== undefined) parts.push(`${ready.softState.state} ${ready.softState.phase} (leader ${ready.softState.leader})`);
  if (ready.epochs !== undefined) parts.push(`epochs accepted=${ready.epochs.acceptedEpoch} current=${ready.epochs.currentEpoch}`);
  if (ready.snapshot !== undefined) parts.push(`snapshot ${formatZxid(ready.snapshot.zxid)}`);
  if (ready.truncateTo !== undefined) parts.push(`truncate after ${formatZxid(ready.truncateTo)}`);
  if (ready.proposals.length > 0) parts.push(`log [${ready.proposals.map(proposalKey).join(", ")}]`);
  if (ready.committed.length > 0) parts.push(`deliver ${formatZxid(ready.committed[0].zxid)}..${formatZxid(ready.committed[ready.committed.length - 1].zxid)}`);
  if (ready.messages.length > 0) parts.push(`${ready.messages.length} msgs`);
  return parts.join("; ");
}
