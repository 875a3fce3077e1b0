// Inference for list-append histories (Elle §4): every read returns the whole list, so the longest
// read of a key spells out the order its appends took effect, and each read pins down exactly
// which append it saw last. From that order we get ww, wr and rw edges, and without any cycle
// search: aborted and intermediate reads, incompatible orders, duplicates, garbage, internal
// inconsistency, future reads, dirty updates and lost updates.
//
// Performance shape: one pass over transactions records appends and reads in typed arrays; a pass
// per key positions its longest read; a pass per read resolves only the read's last element
// (a read compatible with the longest is its prefix, so the rest is known without lookups); and a
// pass per append emits edges. Element-by-element work happens only for the rare reads that the
// per-key summaries flag (failed, unknown or repeated elements, incompatible keys).

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { EdgeBuffer, IntVec, RW, WR, WW } from "./edges.ts";
import { type Anomalies, type Inference, type PairExplainer, type StepFacts, addAnomaly } from "./inference.ts";
import { KeyIds } from "./key-ids.ts";
import { APPEND, READ, microOpKind, show } from "./micro-ops.ts";
import { PairIndex } from "./pair-index.ts";
import { FAIL, OK, type Txns, summarizeTxn } from "./txns.ts";

const EMPTY: readonly unknown[] = [];
const INTERMEDIATE = 1;
const NONE = 0x7fffffff;

type Mop = readonly unknown[];

function isPrefix(shorter: readonly unknown[], longer: readonly unknown[]): boolean {
  for (let i = 0; i < shorter.length; i++) if (shorter[i] !== longer[i]) return false;
  return true;
}

function readList(mop: Mop): readonly unknown[] | undefined {
  const list = mop[2];
  if (list === null || list === undefined) return EMPTY;
  return Array.isArray(list) ? list : undefined;
}

/** `reserveEdges`: room to leave in the edge buffer for the caller's process and real-time edges. */
export function inferListAppend(txns: Txns, alloc: Allocator = HEAP_ALLOCATOR, reserveEdges = 0): Inference {
  const { count, mops, type } = txns;
  const anomalies: Anomalies = new Map();
  let fatal = false;
  const capacity = Math.max(16, txns.mopCount);

  const keyIds = new KeyIds();
  const keyNames = keyIds.names;
  const appendIndex = new PairIndex(capacity, alloc);
  const longest: (readonly unknown[] | undefined)[] = [];
  const incompatible: boolean[] = [];

  // Sized by the micro-op count, so none of these ever grows.
  const appendTxn = new IntVec(capacity, alloc);
  const appendKey = new IntVec(capacity, alloc);
  const appendMop = new IntVec(capacity, alloc);
  const appendFlags = new IntVec(capacity, alloc);
  const readTxn = new IntVec(capacity, alloc);
  const readMop = new IntVec(capacity, alloc);
  const readKey = new IntVec(capacity, alloc);
  // The observed lists themselves, so later passes need not walk back through the history.
  const readLists = new Array<readonly unknown[]>(capacity);
  // Transactions that read a key and then appended to it: the raw material of lost updates.
  const updateTxn = new IntVec(1024, alloc);
  const updateMop = new IntVec(1024, alloc);
  const updateKey = new IntVec(1024, alloc);

  let scratchKey = new Int32Array(64);
  let scratchKind = new Int32Array(64);
  let scratchAppend = new Int32Array(64);

  const intern = (key: unknown): number => {
    const id = keyIds.intern(key);
    if (id === longest.length) {
      longest.push(undefined);
      incompatible.push(false);
    }
    return id;
  };

  const unexpected = (t: number, mop: unknown) => {
    fatal = true;
    addAnomaly(anomalies, "unexpected-txn-micro-op-types", {
      op: summarizeTxn(txns, t),
      mop,
      explanation: `list-append transactions hold only [append k v] and [r k list]; got ${JSON.stringify(mop)}`,
    });
  };

  // Pass 1: appends, reads, and everything visible within one transaction.
  for (let t = 0; t < count; t++) {
    const value = mops[t];
    const m = value.length;
    const ok = type[t] === OK;
    if (m > scratchKey.length) {
      scratchKey = new Int32Array(m * 2);
      scratchKind = new Int32Array(m * 2);
      scratchAppend = new Int32Array(m * 2);
    }
    let wellFormed = true;
    for (let i = 0; i < m; i++) {
      const mop = value[i];
      if (!Array.isArray(mop) || mop.length < 2) {
        unexpected(t, mop);
        wellFormed = false;
        break;
      }
      const kind = microOpKind(mop[0]);
      const k = intern(mop[1]);
      scratchKey[i] = k;
      scratchKind[i] = kind;
      scratchAppend[i] = -1;
      if (kind === APPEND) {
        const element = mop[2];
        const earlier = appendIndex.setIfAbsent(k, element, appendTxn.length);
        if (earlier !== -1) {
          fatal = true;
          addAnomaly(anomalies, "duplicate-appends", {
            key: mop[1],
            value: element,
            ops: [summarizeTxn(txns, appendTxn.data[earlier]), summarizeTxn(txns, t)],
            explanation: `value ${show(element)} was appended to key ${show(mop[1])} more than once, so reads cannot say which append they saw`,
          });
          continue;
        }
        const id = appendTxn.push(t);
        appendKey.push(k);
        appendMop.push(i);
        appendFlags.push(0);
        scratchAppend[i] = id;
      } else if (kind === READ) {
        if (!ok) continue;
        const list = readList(mop);
        if (list === undefined) {
          unexpected(t, mop);
          wellFormed = false;
          break;
        }
        readTxn.push(t);
        readMop.push(i);
        readKey.push(k);
        readLists[readTxn.length - 1] = list;
        if (list.length === 0) continue;
        const known = longest[k];
        if (known === undefined) {
          longest[k] = list;
        } else if (list !== known) {
          if (list.length > known.length) {
            if (!isPrefix(known, list)) flagIncompatible(k, known, list);
            longest[k] = list;
          } else if (!isPrefix(list, known)) {
            flagIncompatible(k, list, known);
          }
        }
      } else {
        unexpected(t, mop);
        wellFormed = false;
        break;
      }
    }
    if (!wellFormed || m < 2) continue;
    let repeats = false;
    for (let i = 1; i < m && !repeats; i++) for (let j = 0; j < i; j++) if (scratchKey[i] === scratchKey[j]) repeats = true;
    if (!repeats) continue;
    for (let i = 0; i < m; i++) {
      if (scratchKind[i] !== APPEND || scratchAppend[i] === -1) continue;
      for (let j = i + 1; j < m; j++) {
        if (scratchKind[j] === APPEND && scratchKey[j] === scratchKey[i]) {
          appendFlags.data[scratchAppend[i]] |= INTERMEDIATE;
          break;
        }
      }
    }
    if (!ok) continue;
    internalCases(t, value);
    // The first access to a key being a read, followed by an append: read-modify-write.
    for (let i = 0; i < m; i++) {
      if (scratchKind[i] !== READ) continue;
      let first = true;
      for (let j = 0; j < i; j++) if (scratchKey[j] === scratchKey[i]) first = false;
      if (!first) continue;
      for (let j = i + 1; j < m; j++) {
        if (scratchKind[j] === APPEND && scratchKey[j] === scratchKey[i]) {
          updateTxn.push(t);
          updateMop.push(i);
          updateKey.push(scratchKey[i]);
          break;
        }
      }
    }
  }

  function flagIncompatible(k: number, a: readonly unknown[], b: readonly unknown[]): void {
    if (incompatible[k]) return;
    incompatible[k] = true;
    addAnomaly(anomalies, "incompatible-order", {
      key: keyNames[k],
      values: [a, b],
      explanation: `key ${show(keyNames[k])} was read as ${show(a)} and as ${show(b)}; neither is a prefix of the other, so no single order of appends explains both`,
    });
  }

  function internalCases(t: number, value: readonly unknown[]): void {
    // Elle's INT axiom: a read must agree with this transaction's own latest read of the key plus
    // its appends since (or, with no earlier read, end with those appends). Scans back instead of
    // keeping per-key state: transactions are short, and this runs for many of them.
    const m = value.length;
    let internalFound = false;
    let futureFound = false;
    for (let i = 0; i < m; i++) {
      const k = scratchKey[i];
      const mop = value[i] as Mop;
      if (scratchKind[i] === APPEND) {
        if (futureFound) continue;
        for (let j = 0; j < i; j++) {
          if (scratchKey[j] !== k || scratchKind[j] !== READ) continue;
          if (!(readList(value[j] as Mop) ?? EMPTY).includes(mop[2])) continue;
          futureFound = true;
          addAnomaly(anomalies, "future-read", {
            op: summarizeTxn(txns, t),
            mop: value[j],
            element: mop[2],
            explanation: `the transaction read ${show(mop[2])} in key ${show(mop[1])} before it appended ${show(mop[2])} itself`,
          });
          break;
        }
        continue;
      }
      if (internalFound) continue;
      let base = -1;
      let appends = 0;
      let touched = false;
      for (let j = i - 1; j >= 0; j--) {
        if (scratchKey[j] !== k) continue;
        touched = true;
        if (scratchKind[j] === APPEND) appends++;
        else {
          base = j;
          break;
        }
      }
      if (!touched) continue;
      const list = readList(mop) ?? EMPTY;
      const baseList = base === -1 ? undefined : (readList(value[base] as Mop) ?? EMPTY);
      let offset: number;
      let bad: boolean;
      if (baseList !== undefined) {
        offset = baseList.length;
        bad = list.length !== offset + appends || !isPrefix(baseList, list);
      } else {
        offset = list.length - appends;
        bad = offset < 0;
      }
      for (let j = base + 1; j < i && !bad; j++) {
        if (scratchKey[j] === k && scratchKind[j] === APPEND) bad = list[offset++] !== (value[j] as Mop)[2];
      }
      if (!bad) continue;
      internalFound = true;
      const own: unknown[] = [];
      for (let j = base + 1; j < i; j++) if (scratchKey[j] === k && scratchKind[j] === APPEND) own.push((value[j] as Mop)[2]);
      const expected = baseList === undefined ? ["...", ...own] : [...baseList, ...own];
      addAnomaly(anomalies, "internal", {
        op: summarizeTxn(txns, t),
        mop,
        expected,
        explanation: `the transaction read key ${show(mop[1])} as ${show(list)}, but its own earlier operations imply ${show(expected)}`,
      });
    }
  }

  const keyCount = keyNames.length;
  const appendCount = appendTxn.length;

  // Pass 2: positions in each key's version order (the distinct elements of its longest read).
  const appendPos = alloc.int32(appendCount).fill(-1);
  const versionBase = alloc.int32(keyCount + 1);
  const versionCount = alloc.int32(keyCount);
  const firstFailed = alloc.int32(keyCount).fill(NONE);
  const firstGarbage = alloc.int32(keyCount).fill(NONE);
  const firstDuplicate = alloc.int32(keyCount).fill(NONE);
  const versions = new IntVec(appendCount, alloc);
  for (let k = 0; k < keyCount; k++) {
    versionBase[k] = versions.length;
    const list = longest[k];
    if (list === undefined) continue;
    for (let i = 0; i < list.length; i++) {
      const a = appendIndex.get(k, list[i]);
      if (a === -1) {
        if (firstGarbage[k] === NONE) firstGarbage[k] = i;
        continue;
      }
      if (appendPos[a] !== -1) {
        if (firstDuplicate[k] === NONE) firstDuplicate[k] = i;
        continue;
      }
      appendPos[a] = versions.length - versionBase[k];
      versions.push(a);
      if (type[appendTxn.data[a]] === FAIL && firstFailed[k] === NONE) firstFailed[k] = i;
    }
    versionCount[k] = versions.length - versionBase[k];
  }
  versionBase[keyCount] = versions.length;
  const version = versions.data;
  const aTxn = appendTxn.data;

  // Pass 3: each read's last element gives its writer (wr) and the state it observed.
  const readCount = readTxn.length;
  const readSlot = alloc.int32(readCount);
  const readWriter = alloc.int32(readCount).fill(-1);
  let wrCount = 0;
  const slotCount = versions.length + keyCount;
  const slotStart = alloc.int32(slotCount + 1);
  for (let r = 0; r < readCount; r++) {
    const t = readTxn.data[r];
    const k = readKey.data[r];
    const list = readLists[r];
    const len = list.length;
    let slot = -1;
    if (len === 0) {
      slot = versionBase[k] + k;
    } else {
      const a = appendIndex.get(k, list[len - 1]);
      if (a !== -1) {
        const writer = aTxn[a];
        if (writer !== t) {
          if (type[writer] !== FAIL) {
            readWriter[r] = writer;
            wrCount++;
          }
          if ((appendFlags.data[a] & INTERMEDIATE) !== 0) {
            const mop = mops[t][readMop.data[r]] as Mop;
            addAnomaly(anomalies, "G1b", {
              op: summarizeTxn(txns, t),
              mop,
              writer: summarizeTxn(txns, writer),
              element: list[len - 1],
              explanation: `the read of key ${show(mop[1])} ended in ${show(list[len - 1])}, which the writer followed with another append to that key in the same transaction: an intermediate state`,
            });
          }
        }
        if (appendPos[a] !== -1) slot = versionBase[k] + k + appendPos[a] + 1;
      }
    }
    readSlot[r] = slot;
    if (slot !== -1) slotStart[slot + 1]++;
    if (incompatible[k] || len > firstFailed[k] || len > firstGarbage[k] || len > firstDuplicate[k]) {
      elementCases(t, mops[t][readMop.data[r]] as Mop, k, list);
    }
  }
  for (let s = 0; s < slotCount; s++) slotStart[s + 1] += slotStart[s];
  const readers = alloc.int32(slotStart[slotCount]);
  {
    const fill = alloc.int32(slotCount);
    fill.set(slotStart.subarray(0, slotCount));
    for (let r = 0; r < readCount; r++) {
      const slot = readSlot[r];
      if (slot !== -1) readers[fill[slot]++] = readTxn.data[r];
    }
  }

  function elementCases(t: number, mop: Mop, k: number, list: readonly unknown[]): void {
    let counts: Map<unknown, number> | undefined;
    const seen = new Set<unknown>();
    for (const element of list) {
      if (seen.has(element)) {
        counts ??= new Map();
        counts.set(element, (counts.get(element) ?? 1) + 1);
        continue;
      }
      seen.add(element);
      const a = appendIndex.get(k, element);
      if (a === -1) {
        addAnomaly(anomalies, "garbage-read", {
          op: summarizeTxn(txns, t),
          mop,
          element,
          explanation: `the read of key ${show(mop[1])} contains ${show(element)}, which no transaction ever appended to that key`,
        });
      } else if (type[aTxn[a]] === FAIL) {
        addAnomaly(anomalies, "G1a", {
          op: summarizeTxn(txns, t),
          mop,
          writer: summarizeTxn(txns, aTxn[a]),
          element,
          explanation: `the read of key ${show(mop[1])} contains ${show(element)}, appended by a transaction that failed (aborted)`,
        });
      }
    }
    if (counts !== undefined) {
      addAnomaly(anomalies, "duplicate-elements", {
        op: summarizeTxn(txns, t),
        mop,
        duplicates: Object.fromEntries(counts),
        explanation: `the read of key ${show(mop[1])} contains ${[...counts].map(([e, c]) => `${show(e)} ${c} times`).join(", ")}, but every value is appended once`,
      });
    }
  }

  // Pass 4: each append follows the previous version (ww) and every read of that version (rw).
  // An append no read observed still follows the last observed version. Counted first, so the
  // edge buffer is allocated once at its final size.
  let edgeCount = wrCount + reserveEdges;
  for (let a = 0; a < appendCount; a++) {
    if (type[aTxn[a]] === FAIL) continue;
    const k = appendKey.data[a];
    const p = appendPos[a];
    const slot = versionBase[k] + k + (p >= 0 ? p - 1 : versionCount[k] - 1) + 1;
    edgeCount += 1 + slotStart[slot + 1] - slotStart[slot];
  }
  const edges = new EdgeBuffer(edgeCount, alloc);
  for (let r = 0; r < readCount; r++) if (readWriter[r] !== -1) edges.add(readWriter[r], readTxn.data[r], WR);
  for (let a = 0; a < appendCount; a++) {
    const w = aTxn[a];
    if (type[w] === FAIL) continue;
    const k = appendKey.data[a];
    const p = appendPos[a];
    const previous = p >= 0 ? p - 1 : versionCount[k] - 1;
    if (previous >= 0) {
      const pw = aTxn[version[versionBase[k] + previous]];
      if (pw !== w && type[pw] !== FAIL) edges.add(pw, w, WW);
    }
    const slot = versionBase[k] + k + previous + 1;
    for (let i = slotStart[slot]; i < slotStart[slot + 1]; i++) edges.add(readers[i], w, RW);
  }
  const dataEdges = edges.length;

  dirtyUpdates();
  lostUpdates();

  function dirtyUpdates(): void {
    // Elle's dirty update: walking a key's version order, a committed append directly (or through
    // unknown ones) on top of an aborted one.
    for (let k = 0; k < keyCount; k++) {
      let previousTxn = -1;
      let previousType = OK;
      let from = versionBase[k];
      for (let i = versionBase[k]; i < versionBase[k + 1]; i++) {
        const writer = aTxn[version[i]];
        const writerType = type[writer];
        if (writerType === OK) {
          if (previousType === FAIL) {
            const values = [];
            for (let j = from; j <= i; j++) values.push(valueOf(version[j]));
            addAnomaly(anomalies, "dirty-update", {
              key: keyNames[k],
              values,
              from: summarizeTxn(txns, previousTxn),
              to: summarizeTxn(txns, writer),
              explanation: `on key ${show(keyNames[k])} a committed append of ${show(values[values.length - 1])} builds on ${show(values[0])}, appended by a failed transaction`,
            });
          }
          previousTxn = writer;
          previousType = OK;
          from = i;
        } else if (writerType === FAIL) {
          if (previousType !== FAIL) {
            previousTxn = writer;
            previousType = FAIL;
            from = i;
          }
        }
      }
    }
  }

  function lostUpdates(): void {
    // Two committed transactions that read the same version of a key and both appended to it.
    // The version read is named by its last element's append id (0 for the empty list).
    const firstByState = new PairIndex(updateTxn.length, alloc);
    const groups = new Map<number, number[]>();
    for (let u = 0; u < updateTxn.length; u++) {
      const t = updateTxn.data[u];
      const k = updateKey.data[u];
      const list = readList(mops[t][updateMop.data[u]] as Mop) ?? EMPTY;
      let state = 0;
      if (list.length > 0) {
        const a = appendIndex.get(k, list[list.length - 1]);
        if (a === -1) continue;
        state = a + 1;
      }
      const first = firstByState.setIfAbsent(k, state, u);
      if (first === -1) continue;
      const group = groups.get(first);
      if (group === undefined) groups.set(first, [first, u]);
      else group.push(u);
    }
    for (const group of groups.values()) {
      const u = group[0];
      const t = updateTxn.data[u];
      const mop = mops[t][updateMop.data[u]] as Mop;
      const list = readList(mop) ?? EMPTY;
      addAnomaly(anomalies, "lost-update", {
        key: mop[1],
        value: list,
        txns: group.map((g) => summarizeTxn(txns, updateTxn.data[g])),
        explanation: `${group.length} committed transactions read key ${show(mop[1])} as ${show(list)} and each appended to it, so each overwrote an update the others never saw`,
      });
    }
  }

  function valueOf(a: number): unknown {
    return (mops[aTxn[a]][appendMop.data[a]] as Mop)[2];
  }

  function previousState(a: number): number {
    const p = appendPos[a];
    return p >= 0 ? p - 1 : versionCount[appendKey.data[a]] - 1;
  }

  function stateOfRead(k: number, list: readonly unknown[]): number {
    if (list.length === 0) return -1;
    const a = appendIndex.get(k, list[list.length - 1]);
    return a === -1 || appendPos[a] === -1 ? -2 : appendPos[a];
  }

  const explainer: PairExplainer = {
    explain(from, to, kind, fromName, toName): StepFacts | null {
      for (const raw of mops[to]) {
        const mop = raw as Mop;
        const key = mop[1];
        const k = keyIds.lookup(key);
        if (k === -1) continue;
        const f = microOpKind(mop[0]);
        if (kind === WR && f === READ) {
          const list = readList(mop) ?? EMPTY;
          if (list.length === 0) continue;
          const a = appendIndex.get(k, list[list.length - 1]);
          if (a === -1 || aTxn[a] !== from) continue;
          const element = list[list.length - 1];
          return { key, value: element, text: `${toName} read ${fromName}'s append of ${show(element)} to key ${show(key)}` };
        }
        if (f !== APPEND) continue;
        const a = appendIndex.get(k, mop[2]);
        if (a === -1 || aTxn[a] !== to) continue;
        const previous = previousState(a);
        if (kind === WW) {
          if (previous < 0) continue;
          const pa = version[versionBase[k] + previous];
          if (aTxn[pa] !== from) continue;
          const before = valueOf(pa);
          return {
            key,
            value: before,
            valueAfter: mop[2],
            text: `${toName} appended ${show(mop[2])} to key ${show(key)} after ${fromName}'s append of ${show(before)}`,
          };
        }
        if (kind === RW) {
          for (const other of mops[from]) {
            const read = other as Mop;
            if (microOpKind(read[0]) !== READ || keyIds.lookup(read[1]) !== k) continue;
            if (stateOfRead(k, readList(read) ?? EMPTY) !== previous) continue;
            return {
              key,
              value: previous < 0 ? null : valueOf(version[versionBase[k] + previous]),
              valueAfter: mop[2],
              text:
                previous < 0
                  ? `${fromName} read key ${show(key)} as empty, so it did not observe ${toName}'s append of ${show(mop[2])}`
                  : `${fromName}'s read of key ${show(key)} did not observe ${toName}'s append of ${show(mop[2])}`,
            };
          }
        }
      }
      return null;
    },
  };

  return { edges, anomalies, explainer, fatal, keyCount, dataEdgeCount: dataEdges };
}
