// Scripted scenarios in the style of etcd-io/raft's interaction tests: a script of commands, each
// followed by the output it must produce, so a protocol story reads top to bottom and a change in
// behaviour shows as a diff. run(script) executes the commands and returns the script rewritten
// with the actual outputs; a test compares it with the script itself.
//
//   > nodes 3 preVote=false checkQuorum=false maxEntries=1 bugs=commitOldTerm   (a new cluster)
//   > campaign 1            start an election at node 1 (pre-vote first when enabled)
//   > stabilize [ids]       process Readies and deliver messages until nothing moves
//   > process-ready [ids]   handle one Ready per node: persist, queue messages, apply
//   > deliver-msgs [ids]    deliver the messages queued for those nodes (not newer ones)
//   > drop-msgs [ids]       lose the messages queued for those nodes
//   > tick id [count]       advance a node's clock
//   > propose id text       a client write
//   > read id requestId     a ReadIndex read
//   > partition 1 2 | 3     cut every link between the groups (replacing any earlier cut); > heal
//   > crash id / restart id lose volatile state / restart from disk
//   > compact id            snapshot the state machine, drop the log up to the applied index
//   > status [ids] / log [ids]
//
// The nodes are the randomized simulation's (raft-simulation/simulated-node.ts), and every event
// goes through the same safety checker; a violation is printed as the output of the command that
// caused it.

import { Rng } from "../../harness/rng.ts";
import type { CoreBugs, Message, NodeId, Ready } from "../../clusters/raft/core/types.ts";
import { describeEntry, describeMessage } from "./raft-simulation/describe.ts";
import { RaftSafetyChecker } from "./raft-simulation/safety-checker.ts";
import { RaftSimNode, highestTerm, type NodeSettings } from "./raft-simulation/simulated-node.ts";
import { SafetyViolation } from "./simulation/violation.ts";

export class InteractionEnv {
  private nodes: RaftSimNode[] = [];
  private checker = new RaftSafetyChecker();
  private settings: NodeSettings | undefined;
  /** Messages sent and not yet delivered, in send order. */
  private queue: Message[] = [];
  private blocked = new Set<string>();

  /** Runs a script and returns it with every command's output replaced by the actual one. */
  run(script: string): string {
    const out: string[] = [];
    for (const line of script.split("\n")) {
      const trimmed = line.trim();
      if (trimmed.startsWith(">")) {
        out.push(trimmed);
        for (const produced of this.execute(trimmed.slice(1).trim())) out.push(produced);
      } else if (trimmed === "" || trimmed.startsWith("#")) {
        out.push(trimmed);
      }
      // Anything else is expected output, replaced by what the command actually printed.
    }
    return out.join("\n");
  }

  private execute(command: string): string[] {
    const [name, ...args] = command.split(/\s+/);
    try {
      return this.dispatch(name, args);
    } catch (error) {
      if (error instanceof SafetyViolation) return [`VIOLATION ${error.message}`];
      throw error;
    }
  }

  private dispatch(name: string, args: string[]): string[] {
    switch (name) {
      case "nodes":
        return this.createNodes(args);
      case "campaign": {
        const node = this.live(Number(args[0]));
        node.core?.campaign();
        node.observe();
        return [];
      }
      case "tick": {
        const node = this.live(Number(args[0]));
        const count = args[1] === undefined ? 1 : Number(args[1]);
        for (let i = 0; i < count; i++) {
          node.core?.tick();
          node.observe();
        }
        return [];
      }
      case "propose": {
        const node = this.live(Number(args[0]));
        const result = this.core(node).propose(args.slice(1).join(" "));
        node.observe();
        return [result.ok ? `index ${result.index}, term ${result.term}` : `not leader (leader hint ${result.leaderHint})`];
      }
      case "add":
      case "remove": {
        // add|remove <leader> <node>: one server in or out through the leader's log.
        const node = this.live(Number(args[0]));
        const result = this.core(node).proposeConfChange({ type: name, node: Number(args[1]) });
        node.observe();
        if (result.ok) return [`index ${result.index}, term ${result.term}, voters ${result.voters.join(",")}`];
        return [result.error === "not-leader" ? `not leader (leader hint ${result.leaderHint})` : `refused: ${result.reason}`];
      }
      case "read": {
        const node = this.live(Number(args[0]));
        const requestId = args[1];
        this.checker.readRequested(requestId);
        const result = this.core(node).readIndex(requestId);
        node.observe();
        return [result.ok ? "pending" : `not leader (leader hint ${result.leaderHint})`];
      }
      case "stabilize":
        return this.stabilize(this.ids(args));
      case "process-ready": {
        const out: string[] = [];
        for (const id of this.ids(args)) out.push(...this.processReady(this.node(id), true).lines);
        return out;
      }
      case "deliver-msgs":
        return this.deliver(this.ids(args), true);
      case "drop-msgs": {
        const targets = new Set(this.ids(args));
        const dropped = this.queue.filter((message) => targets.has(message.to));
        this.queue = this.queue.filter((message) => !targets.has(message.to));
        return dropped.map((message) => `dropped ${describeMessage(message)}`);
      }
      case "partition": {
        const groups = args.join(" ").split("|").map((group) => group.trim().split(/\s+/).map(Number));
        // A partition replaces the previous one (Jepsen's grudge), it does not add to it.
        this.blocked.clear();
        for (let a = 0; a < groups.length; a++) {
          for (let b = 0; b < groups.length; b++) {
            if (a === b) continue;
            for (const from of groups[a]) for (const to of groups[b]) this.blocked.add(`${from}>${to}`);
          }
        }
        return [];
      }
      case "heal":
        this.blocked.clear();
        return [];
      case "crash":
        this.node(Number(args[0])).crash();
        return [];
      case "restart": {
        const node = this.node(Number(args[0]));
        node.restart();
        return [];
      }
      case "compact": {
        // The shell snapshots its state machine as it is, so the snapshot ends at the applied index.
        const node = this.live(Number(args[0]));
        if (this.core(node).status().applied !== node.stateMachine.applied) throw new Error(`node ${node.id}: core and state machine disagree on the applied index`);
        const snapshot = node.snapshot();
        return [`snapshot ${snapshot.metadata.index}@${snapshot.metadata.term}`];
      }
      case "status":
        return this.ids(args, true).map((id) => this.describeStatus(this.node(id)));
      case "log":
        return this.ids(args, true).map((id) => this.describeLog(this.node(id)));
      case "config":
        // Each node's configuration: the voters it uses now, and the entry they come from.
        return this.ids(args, true).map((id) => {
          const core = this.node(id).core;
          if (core === undefined) return `${id}: down`;
          const status = core.status();
          return `${id}: voters ${status.voters.join(",")} (config entry ${status.configIndex === 0 ? "none" : status.configIndex}, commit ${status.commit})`;
        });
      default:
        throw new Error(`unknown command ${name}`);
    }
  }

  private createNodes(args: string[]): string[] {
    const count = Number(args[0]);
    const options = new Map(args.slice(1).map((arg) => arg.split("=") as [string, string]));
    const bugs: CoreBugs = {};
    for (const bug of (options.get("bugs") ?? "").split(",").filter(Boolean)) {
      if (bug !== "commitOldTerm" && bug !== "voteWithoutLogCheck" && bug !== "unsafeConfChange") throw new Error(`unknown bug ${bug}`);
      bugs[bug] = true;
    }
    const settings: NodeSettings = {
      voters: Array.from({ length: count }, (_, i) => i + 1),
      electionTicks: Number(options.get("electionTicks") ?? 10),
      heartbeatTicks: Number(options.get("heartbeatTicks") ?? 1),
      preVote: options.get("preVote") !== "false",
      checkQuorum: options.get("checkQuorum") !== "false",
      maxInflight: 8,
      maxEntriesPerMessage: Number(options.get("maxEntries") ?? 64),
      bugs,
    };
    // A new cluster: nothing of the previous one carries over.
    this.settings = settings;
    this.checker = new RaftSafetyChecker();
    this.queue = [];
    this.blocked = new Set();
    const checker = this.checker;
    this.nodes = settings.voters.map((id) => new RaftSimNode(id, settings, new Rng(id), checker, () => highestTerm(this.nodes)));
    return [];
  }

  private stabilize(ids: NodeId[]): string[] {
    const out: string[] = [];
    const members = new Set(ids);
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) {
        const node = this.node(id);
        if (!node.alive) continue;
        const result = this.processReady(node, false);
        moved = moved || result.processed;
        out.push(...result.lines);
      }
      if (this.queue.some((message) => members.has(message.to) && members.has(message.from))) {
        this.deliver(ids, false, ids);
        moved = true;
      }
      if (!moved) return out;
    }
    throw new Error("stabilize did not settle in 1000 rounds");
  }

  /** One Ready through the shell: persist, queue messages, apply. `verbose` also prints what was
   *  persisted and applied. */
  private processReady(node: RaftSimNode, verbose: boolean): { processed: boolean; lines: string[] } {
    const ready = node.takeReady();
    if (ready === undefined) return { processed: false, lines: [] };
    const lines = describeReadyEvents(node.id, ready, node.core?.status().term ?? 0, verbose);
    // A message sent into a cut link is lost at once; one already in flight when the cut
    // happens is lost when it would arrive (deliver).
    for (const message of node.completeReady()) {
      if (!this.blocked.has(`${message.from}>${message.to}`)) this.queue.push(message);
    }
    return { processed: true, lines };
  }

  /** Delivers the messages queued now for `targets` (optionally only from `sources`). */
  private deliver(targets: NodeId[], verbose: boolean, sources?: NodeId[]): string[] {
    const targetSet = new Set(targets);
    const sourceSet = sources === undefined ? undefined : new Set(sources);
    const selected = (message: Message) => targetSet.has(message.to) && (sourceSet === undefined || sourceSet.has(message.from));
    const batch = this.queue.filter(selected);
    this.queue = this.queue.filter((message) => !selected(message));
    const out: string[] = [];
    for (const message of batch) {
      const node = this.node(message.to);
      if (this.blocked.has(`${message.from}>${message.to}`) || node.core === undefined) {
        if (verbose) out.push(`dropped ${describeMessage(message)}`);
        continue;
      }
      if (verbose) out.push(describeMessage(message));
      node.core.step(message);
      node.observe();
    }
    return out;
  }

  private describeStatus(node: RaftSimNode): string {
    const core = node.core;
    if (core === undefined) return `${node.id}: down (disk: term ${node.disk.hardState.term}, vote ${node.disk.hardState.vote}, commit ${node.disk.hardState.commit})`;
    const status = core.status();
    return `${node.id}: ${status.role} term=${status.term} vote=${status.vote} leader=${status.leader} commit=${status.commit} applied=${node.stateMachine.applied} last=${status.lastIndex}`;
  }

  private describeLog(node: RaftSimNode): string {
    const core = node.core;
    if (core === undefined) return `${node.id}: down`;
    const status = core.status();
    const parts: string[] = [];
    if (status.snapshotIndex > 0) parts.push(`snapshot ${status.snapshotIndex}@${status.snapshotTerm}`);
    if (status.lastIndex >= status.firstIndex) parts.push(...core.entries(status.firstIndex, status.lastIndex).map(describeEntry));
    return `${node.id}: ${parts.length === 0 ? "empty" : parts.join(", ")} (commit ${status.commit})`;
  }

  private ids(args: string[], all = false): NodeId[] {
    const given = args.map(Number);
    const ids = given.length > 0 ? given : this.nodes.map((node) => node.id);
    return all ? ids : ids.filter((id) => this.node(id).alive);
  }

  private node(id: NodeId): RaftSimNode {
    const node = this.nodes[id - 1];
    if (node === undefined || this.settings === undefined) throw new Error(`no node ${id} (start the script with "nodes N")`);
    return node;
  }

  private live(id: NodeId): RaftSimNode {
    const node = this.node(id);
    if (!node.alive) throw new Error(`node ${id} is down`);
    return node;
  }

  private core(node: RaftSimNode) {
    const core = node.core;
    if (core === undefined) throw new Error(`node ${node.id} is down`);
    return core;
  }
}

function describeReadyEvents(id: NodeId, ready: Ready, term: number, verbose: boolean): string[] {
  const out: string[] = [];
  if (ready.softState !== undefined) {
    const { role, leader } = ready.softState;
    out.push(`${id} is ${role}${role === "follower" && leader !== 0 ? ` of ${leader}` : ""} in term ${term}`);
  }
  if (ready.snapshot !== undefined) out.push(`${id} installs snapshot ${ready.snapshot.metadata.index}@${ready.snapshot.metadata.term}`);
  if (verbose) {
    if (ready.hardState !== undefined) out.push(`${id} persists term=${ready.hardState.term} vote=${ready.hardState.vote} commit=${ready.hardState.commit}`);
    if (ready.entries.length > 0) out.push(`${id} persists ${ready.entries.map(describeEntry).join(", ")}`);
    for (const entry of ready.committedEntries) out.push(`${id} applies ${describeEntry(entry)}`);
  }
  for (const read of ready.readStates) out.push(`${id} serves read ${read.requestId} at index ${read.index}`);
  return out;
}
