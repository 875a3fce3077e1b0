// The replicated key-value store: applies committed log entries, in index order, to a map of
// strings and lists. Deterministic: the result depends only on the entries (time comes from the
// entry's timeMs, never from the local clock), so every replica that applies the same log holds the
// same state and writes the same snapshot bytes.

import { array, bulk, errorReply, integer, NULL_BULK, OK, type Reply } from "../resp/reply.ts";
import { decodeLogCommand, type KvCommand, type ReadCommand } from "./command.ts";

type Value = { kind: "string"; value: string } | { kind: "list"; items: string[] };

interface Slot {
  value: Value;
  /** Absolute expiry (ms since the epoch, on the proposers' clocks); absent = never. */
  expireAtMs?: number;
}

interface SnapshotImage {
  appliedIndex: number;
  clockMs: number;
  slots: [string, Slot][];
  versions: [string, number][];
}

/** The value CAS takes for "expected: the key is absent". */
export const CAS_ABSENT = "__nil__";

const WRONGTYPE = errorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_AN_INTEGER = errorReply("ERR value is not an integer or out of range");

export class KvStateMachine {
  private slots = new Map<string, Slot>();
  /** key → index of the entry that last modified it; kept after a delete, so that WATCH notices a
   *  key that was deleted and re-created (no ABA). */
  private versions = new Map<string, number>();
  private applied = 0;
  /** Latest timeMs of any applied entry: the "now" for expiry while applying. Never goes back. */
  private clockMs = 0;

  get appliedIndex(): number {
    return this.applied;
  }

  /** Applies the committed entry at `index`. Returns the command's reply, or undefined for an empty
   *  (no-op) entry and for an index already applied (applying twice changes nothing). */
  apply(index: number, data: Uint8Array): Reply | undefined {
    if (index <= this.applied) return undefined;
    if (index !== this.applied + 1) {
      throw new Error(`state machine asked to apply entry ${index} after ${this.applied}: entries must be applied in order without gaps`);
    }
    this.applied = index;
    if (data.length === 0) return undefined;
    const { timeMs, command } = decodeLogCommand(data);
    this.clockMs = Math.max(this.clockMs, timeMs);
    return this.execute(command, index);
  }

  /** Serves a read outside the log (after ReadIndex, or stale under the stale-read bug). `nowMs` is
   *  the serving node's clock, used only to hide expired keys. */
  read(command: ReadCommand, nowMs: number): Reply {
    return this.execute(command, this.applied, Math.max(nowMs, this.clockMs));
  }

  /** Index of the entry that last modified `key` (0 if none ever did): what WATCH records. */
  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  snapshot(): Buffer {
    const image: SnapshotImage = {
      appliedIndex: this.applied,
      clockMs: this.clockMs,
      slots: [...this.slots.entries()].sort(byKey),
      versions: [...this.versions.entries()].sort(byKey),
    };
    return Buffer.from(JSON.stringify(image), "utf8");
  }

  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void {
    const image = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString("utf8")) as SnapshotImage;
    if (!Number.isSafeInteger(image.appliedIndex) || !Array.isArray(image.slots) || !Array.isArray(image.versions)) {
      throw new Error("snapshot data is not a key-value state machine image");
    }
    this.applied = image.appliedIndex;
    this.clockMs = image.clockMs;
    this.slots = new Map(image.slots);
    this.versions = new Map(image.versions);
  }

  private execute(command: KvCommand, index: number, nowMs = this.clockMs): Reply {
    switch (command.op) {
      case "get": {
        const slot = this.live(command.key, nowMs);
        if (!slot) return NULL_BULK;
        return slot.value.kind === "string" ? bulk(slot.value.value) : WRONGTYPE;
      }
      case "set": {
        const exists = this.live(command.key, nowMs) !== undefined;
        if ((command.condition === "nx" && exists) || (command.condition === "xx" && !exists)) return NULL_BULK;
        this.write(command.key, { value: { kind: "string", value: command.value }, expireAtMs: command.expireAtMs }, index);
        return OK;
      }
      case "del": {
        let deleted = 0;
        for (const key of command.keys) {
          if (this.live(key, nowMs)) {
            this.remove(key, index);
            deleted++;
          }
        }
        return integer(deleted);
      }
      case "delifeq": {
        const slot = this.live(command.key, nowMs);
        if (!slot) return integer(0);
        if (slot.value.kind !== "string") return WRONGTYPE;
        if (slot.value.value !== command.value) return integer(0);
        this.remove(command.key, index);
        return integer(1);
      }
      case "cas": {
        const slot = this.live(command.key, nowMs);
        if (slot && slot.value.kind !== "string") return WRONGTYPE;
        const current = slot?.value.kind === "string" ? slot.value.value : null;
        if (current !== command.expected) return integer(0);
        this.write(command.key, { value: { kind: "string", value: command.value } }, index);
        return integer(1);
      }
      case "incrby": {
        const slot = this.live(command.key, nowMs);
        if (slot && slot.value.kind !== "string") return WRONGTYPE;
        const current = slot?.value.kind === "string" ? parseStrictInteger(slot.value.value) : 0;
        if (current === undefined) return NOT_AN_INTEGER;
        const next = current + command.delta;
        if (!Number.isSafeInteger(next)) return errorReply("ERR increment or decrement would overflow");
        // INCRBY keeps the key's expiry, as Redis does.
        this.write(command.key, { value: { kind: "string", value: String(next) }, expireAtMs: slot?.expireAtMs }, index);
        return integer(next);
      }
      case "rpush": {
        const slot = this.live(command.key, nowMs);
        if (slot && slot.value.kind !== "list") return WRONGTYPE;
        const items = slot && slot.value.kind === "list" ? slot.value.items : [];
        items.push(...command.values);
        this.write(command.key, { value: { kind: "list", items }, expireAtMs: slot?.expireAtMs }, index);
        return integer(items.length);
      }
      case "lrange": {
        const slot = this.live(command.key, nowMs);
        if (!slot) return array([]);
        if (slot.value.kind !== "list") return WRONGTYPE;
        const items = slot.value.items;
        const start = command.start < 0 ? Math.max(items.length + command.start, 0) : command.start;
        const stop = command.stop < 0 ? items.length + command.stop : Math.min(command.stop, items.length - 1);
        return array(start > stop ? [] : items.slice(start, stop + 1).map((item) => bulk(item)));
      }
      case "lpop": {
        const slot = this.live(command.key, nowMs);
        if (!slot) return NULL_BULK;
        if (slot.value.kind !== "list") return WRONGTYPE;
        const [first, ...rest] = slot.value.items;
        // Redis never keeps an empty list: popping the last element removes the key.
        if (rest.length === 0) this.remove(command.key, index);
        else this.write(command.key, { value: { kind: "list", items: rest }, expireAtMs: slot.expireAtMs }, index);
        return bulk(first);
      }
      case "multi": {
        for (const watch of command.watches) {
          if (this.version(watch.key) !== watch.version) return array(null);
        }
        return array(command.commands.map((inner) => (inner.op === "multi" ? errorReply("ERR MULTI calls can not be nested") : this.execute(inner, index, nowMs))));
      }
    }
  }

  /** The key's slot unless it is absent or expired at `nowMs`. */
  private live(key: string, nowMs: number): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot?.expireAtMs !== undefined && slot.expireAtMs <= nowMs) return undefined;
    return slot;
  }

  /** Deletes the key; its version still moves, so a WATCH notices the delete. */
  private remove(key: string, index: number): void {
    this.slots.delete(key);
    this.versions.set(key, index);
  }

  private write(key: string, slot: Slot, index: number): void {
    if (slot.expireAtMs === undefined) delete slot.expireAtMs;
    this.slots.set(key, slot);
    this.versions.set(key, index);
  }
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function parseStrictInteger(text: string): number | undefined {
  if (!/^-?(0|[1-9]\d{0,15})$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
