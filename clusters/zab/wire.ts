// How ZAB core messages travel between servers: one message per frame payload of the peer
// transport (clusters/raft/transport.ts, through the local runtime's fault proxy), jute-encoded
// with the jute primitives of the client protocol, so zxids travel as int64 without conversion.
//
//   payload  = format:int (1) type:int from:int to:int  body
//   body by type:
//     notification   state:int round:int vote
//       vote         leader:int zxid:long epoch:int
//     followerInfo   attempt:int acceptedEpoch:int observer:boolean
//   every link message first carries  connection:int sequence:int acknowledged:int, then:
//     leaderInfo     attempt:int epoch:int
//     ackEpoch       currentEpoch:int lastZxid:long alreadyAccepted:boolean
//     sync           mode:int truncateTo:long (-1: none) snapshot (present:boolean, zxid:long
//                    data:buffer) proposals:vector<proposal>
//       proposal     zxid:long data:buffer
//     newLeader, ackNewLeader  epoch:int
//     upToDate       commit:long
//     proposal, inform  proposal
//     ack, commit    zxid:long
//     ping, pong     (nothing)
//     app            data:buffer
//
// Every server of an ensemble runs the same code, so there is one format; the format int makes
// a payload from anything else fail loudly (a JuteDecodeError, which the node logs and drops).

import { JuteDecodeError } from "./jute/errors.ts";
import { JuteReader } from "./jute/reader.ts";
import { JuteWriter } from "./jute/writer.ts";
import type { LinkMessage, Message, Proposal, ServerState, SyncMode, Vote } from "./core/types.ts";

const FORMAT = 1;

const TYPE_CODES = {
  notification: 1,
  followerInfo: 2,
  leaderInfo: 3,
  ackEpoch: 4,
  sync: 5,
  newLeader: 6,
  ackNewLeader: 7,
  upToDate: 8,
  proposal: 9,
  ack: 10,
  commit: 11,
  inform: 12,
  ping: 13,
  pong: 14,
  app: 15,
} as const satisfies Record<Message["type"], number>;
const TYPES_BY_CODE = new Map<number, Message["type"]>(Object.entries(TYPE_CODES).map(([type, code]) => [code, type as Message["type"]]));

const STATES: readonly ServerState[] = ["looking", "following", "leading", "observing"];
const SYNC_MODES: readonly SyncMode[] = ["diff", "trunc", "trunc-diff", "snap"];
/** zxid and the data's length field. */
const PROPOSAL_MIN_BYTES = 8 + 4;

function writeProposal(writer: JuteWriter, proposal: Proposal): void {
  writer.long(proposal.zxid).buffer(proposal.data);
}

function readProposal(reader: JuteReader): Proposal {
  return { zxid: reader.long("proposal.zxid"), data: reader.buffer("proposal.data") };
}

function writeVote(writer: JuteWriter, vote: Vote): void {
  writer.int(vote.leader).long(vote.zxid).int(vote.epoch);
}

function readVote(reader: JuteReader): Vote {
  return { leader: reader.int("vote.leader"), zxid: reader.long("vote.zxid"), epoch: reader.int("vote.epoch") };
}

export function encodePeerMessage(message: Message): Buffer {
  let size = 64;
  if (message.type === "sync") for (const proposal of message.proposals) size += PROPOSAL_MIN_BYTES + proposal.data.length;
  if (message.type === "sync" && message.snapshot !== undefined) size += message.snapshot.data.length + 12;
  if (message.type === "proposal" || message.type === "inform") size += message.proposal.data.length;
  if (message.type === "app") size += message.data.length;
  const writer = new JuteWriter(size).int(FORMAT).int(TYPE_CODES[message.type]).int(message.from).int(message.to);
  switch (message.type) {
    case "notification":
      writer.int(STATES.indexOf(message.state)).int(message.round);
      writeVote(writer, message.vote);
      break;
    case "followerInfo":
      writer.int(message.attempt).int(message.acceptedEpoch).boolean(message.observer);
      break;
    default:
      writeLinkMessage(writer, message);
  }
  const bytes = writer.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function writeLinkMessage(writer: JuteWriter, message: LinkMessage): void {
  writer.int(message.connection).int(message.sequence).int(message.acknowledged);
  switch (message.type) {
    case "leaderInfo":
      writer.int(message.attempt).int(message.epoch);
      return;
    case "ackEpoch":
      writer.int(message.currentEpoch).long(message.lastZxid).boolean(message.alreadyAccepted);
      return;
    case "sync":
      writer.int(SYNC_MODES.indexOf(message.mode)).long(message.truncateTo ?? -1n);
      writer.boolean(message.snapshot !== undefined);
      if (message.snapshot !== undefined) writer.long(message.snapshot.zxid).buffer(message.snapshot.data);
      writer.vector(message.proposals, writeProposal);
      return;
    case "newLeader":
    case "ackNewLeader":
      writer.int(message.epoch);
      return;
    case "upToDate":
      writer.long(message.commit);
      return;
    case "proposal":
    case "inform":
      writeProposal(writer, message.proposal);
      return;
    case "ack":
    case "commit":
      writer.long(message.zxid);
      return;
    case "ping":
    case "pong":
      return;
    case "app":
      writer.buffer(message.data);
      return;
  }
}

/** Decodes a peer frame payload; anything malformed throws JuteDecodeError. */
export function decodePeerMessage(payload: Uint8Array): Message {
  const reader = new JuteReader(payload);
  const format = reader.int("format");
  if (format !== FORMAT) throw new JuteDecodeError(`peer message format ${format}, expected ${FORMAT}: is every server running the same Faultline?`, 0);
  const code = reader.int("type");
  const type = TYPES_BY_CODE.get(code);
  if (type === undefined) throw new JuteDecodeError(`unknown peer message type ${code}`, 4);
  const from = reader.int("from");
  const to = reader.int("to");
  let message: Message;
  if (type === "notification") {
    const state = STATES[reader.int("state")];
    if (state === undefined) throw new JuteDecodeError("notification with an unknown server state", reader.position);
    message = { type, from, to, state, round: reader.int("round"), vote: readVote(reader) };
  } else if (type === "followerInfo") {
    message = { type, from, to, attempt: reader.int("attempt"), acceptedEpoch: reader.int("acceptedEpoch"), observer: reader.boolean("observer") };
  } else {
    message = readLinkMessage(reader, type, from, to);
  }
  reader.end(`${type} peer message`);
  return message;
}

function readLinkMessage(reader: JuteReader, type: LinkMessage["type"], from: number, to: number): LinkMessage {
  const base = { from, to, connection: reader.int("connection"), sequence: reader.int("sequence"), acknowledged: reader.int("acknowledged") };
  switch (type) {
    case "leaderInfo":
      return { ...base, type, attempt: reader.int("attempt"), epoch: reader.int("epoch") };
    case "ackEpoch":
      return { ...base, type, currentEpoch: reader.int("currentEpoch"), lastZxid: reader.long("lastZxid"), alreadyAccepted: reader.boolean("alreadyAccepted") };
    case "sync": {
      const mode = SYNC_MODES[reader.int("sync.mode")];
      if (mode === undefined) throw new JuteDecodeError("sync with an unknown mode", reader.position);
      const truncateTo = reader.long("sync.truncateTo");
      const hasSnapshot = reader.boolean("sync.hasSnapshot");
      const snapshot = hasSnapshot ? { zxid: reader.long("snapshot.zxid"), data: reader.buffer("snapshot.data") } : undefined;
      const proposals = reader.vector("sync.proposals", PROPOSAL_MIN_BYTES, readProposal);
      const sync: LinkMessage = { ...base, type, mode, proposals };
      if (truncateTo >= 0n) sync.truncateTo = truncateTo;
      if (snapshot !== undefined) sync.snapshot = snapshot;
      return sync;
    }
    case "newLeader":
    case "ackNewLeader":
      return { ...base, type, epoch: reader.int("epoch") };
    case "upToDate":
      return { ...base, type, commit: reader.long("commit") };
    case "proposal":
    case "inform":
      return { ...base, type, proposal: readProposal(reader) };
    case "ack":
    case "commit":
      return { ...base, type, zxid: reader.long("zxid") };
    case "ping":
    case "pong":
      return { ...base, type };
    case "app":
      return { ...base, type, data: reader.buffer("app.data") };
  }
}
