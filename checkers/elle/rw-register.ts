// Inference for read/write registers (Elle's rw-register). A read returns one value, so unlike
// list-append the version order is not observed; we only know what the history forces:
//
//   - initial state: every key starts nil, so nil precedes every value written to it;
//   - writes follow reads (wfrKeys): a transaction that read x = a and then wrote x = b installed b
//     after a;
//   - sequential keys (sequentialKeys): a process sees each key move forward, so what one of its
//     transactions last saw of a key precedes what its next one first sees. Only true if the
//     strong-session models hold, so ww/rw edges from it are tagged -process;
//   - linearizable keys (linearizableKeys): likewise along real-time order, tagged -realtime.
//
// A source that would make some key's version order cyclic is dropped and the cycle is reported
// (cyclic-versions), as Elle does. wr edges need no version order: writes are unique, so a read of
// x = v came from the one transaction that wrote it.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";
import { EdgeBuffer, IntVec, RW, RW_PROCESS, RW_REALTIME, WR, WW, WW_PROCESS, WW_REALTIME } from "./edges.ts";
import { buildGraph } from "./graph.ts";
import { type Anomalies, type Inference, type PairExplainer, type StepFacts, addAnomaly } from "./inference.ts";
import { KeyIds } from "./key-ids.ts";
import { READ, WRITE, microOpKind, show } from "./micro-ops.ts";
import { PairIndex } from "./pair-index.ts";
import { cyclicComponents, stronglyConnected } from "./scc.ts";
import { FAIL, INFO, OK, type Txns, summarizeTxn } from "./txns.ts";

export interface RwRegisterOptions {
  wfrKeys: boolean;
  sequentialKeys: boolean;
  linearizableKeys: boolean;
}

type Mop = readonly unknown[];

const INITIAL = 0;
const WFR = 1;
const SEQUENTIAL = 2;
const LINEARIZABLE = 3;
const SOURCE_NAMES = ["initial-state", "writes-follow-reads", "sequential-keys", "linearizable-keys"];

/** `reserveEdges`: room to leave in the edge buffer for the caller's process and real-time edges. */
export function inferRwRegister(txns: Txns, opts: RwRegisterOptions, alloc: Allocator = HEAP_ALLOCATOR, reserveEdges = 0): Inference {
  const { count, mops, type } = txns;
  const anomalies: Anomalies = new Map();
  let fatal = false;
  const capacity = Math.max(16, txns.mopCount);

  const keyIds = new KeyIds();
  const keyNames = keyIds.names;
  const writeIndex = new PairIndex(capacity, alloc);

  // Sized by the micro-op count, so none of these ever grows.
  const writeTxn = new IntVec(capacity, alloc);
  const writeKey = new IntVec(capacity, alloc);
  const writeMop = new IntVec(capacity, alloc);
  const writeFinal = new IntVec(capacity, alloc);
  const extReadTxn = new IntVec(capacity, alloc);
  const extReadMop = new IntVec(capacity, alloc);
  const extReadKey = new IntVec(capacity, alloc);
  // Per transaction, one "touch" per distinct key: its external read (index into extRead*, or -1)
  // and its final write (write id, or -1).
  const touchStart = alloc.int32(count + 1);
  const touchKey = new IntVec(capacity, alloc);
  const touchRead = new IntVec(capacity, alloc);
  const touchWrite = new IntVec(capacity, alloc);
  const updateTxn = new IntVec(1024, alloc);
  const updateRead = new IntVec(1024, alloc);

  let scratchKey = new Int32Array(64);
  let scratchKind = new Int32Array(64);

  for (let t = 0; t < count; t++) {
    touchStart[t] = touchKey.length;
    const value = mops[t];
    const m = value.length;
    const ok = type[t] === OK;
    if (m > scratchKey.length) {
      scratchKey = new Int32Array(m * 2);
      scratchKind = new Int32Array(m * 2);
    }
    let wellFormed = true;
    for (let i = 0; i < m; i++) {
      const mop = value[i];
      const kind = Array.isArray(mop) && mop.length >= 2 ? microOpKind(mop[0]) : -1;
      if (kind !== READ && kind !== WRITE) {
        fatal = true;
        addAnomaly(anomalies, "unexpected-txn-micro-op-types", {
          op: summarizeTxn(txns, t),
          mop,
          explanation: `rw-register transactions hold only [w k v] and [r k v]; got ${JSON.stringify(mop)}`,
        });
        wellFormed = false;
        break;
      }
      scratchKey[i] = keyIds.intern((mop as Mop)[1]);
      scratchKind[i] = kind;
    }
    if (!wellFormed) continue;
    for (let i = 0; i < m; i++) {
      const k = scratchKey[i];
      let first = true;
      for (let j = 0; j < i && first; j++) if (scratchKey[j] === k) first = false;
      if (!first) continue;
      // First access to k in this transaction: find its external read and final write.
      let extRead = -1;
      if (scratchKind[i] === READ && ok) {
        extRead = extReadTxn.push(t);
        extReadMop.push(i);
        extReadKey.push(k);
      }
      let finalWrite = -1;
      let sawWrite = false;
      for (let j = i; j < m; j++) {
        if (scratchKey[j] !== k || scratchKind[j] !== WRITE) continue;
        const written = (value[j] as Mop)[2];
        const earlier = writeIndex.setIfAbsent(k, written, writeTxn.length);
        if (earlier !== -1) {
          fatal = true;
          addAnomaly(anomalies, "duplicate-writes", {
            key: keyNames[k],
            value: written,
            ops: [summarizeTxn(txns, writeTxn.data[earlier]), summarizeTxn(txns, t)],
            explanation: `value ${show(written)} was written to key ${show(keyNames[k])} more than once, so a read of it cannot name its writer`,
          });
          continue;
        }
        const id = writeTxn.push(t);
        writeKey.push(k);
        writeMop.push(j);
        writeFinal.push(0);
        if (finalWrite !== -1) writeFinal.data[finalWrite] = 0;
        writeFinal.data[id] = 1;
        finalWrite = id;
        sawWrite = true;
      }
      if (extRead !== -1 && sawWrite) {
        updateTxn.push(t);
        updateRead.push(extRead);
      }
      touchKey.push(k);
      touchRead.push(extRead);
      touchWrite.push(finalWrite);
    }
    if (ok && m > 1) internalCases(t, value);
  }
  touchStart[count] = touchKey.length;

  function internalCases(t: number, value: readonly unknown[]): void {
    // A read must equal the transaction's own latest write or read of the key; a read must not
    // see a value the transaction writes later. Scans back instead of keeping per-key state:
    // transactions are short, and this runs for most of them.
    let internalFound = false;
    let futureFound = false;
    for (let i = 0; i < value.length; i++) {
      const mop = value[i] as Mop;
      const k = scratchKey[i];
      const v = mop[2] ?? null;
      if (scratchKind[i] === WRITE) {
        if (futureFound) continue;
        for (let j = 0; j < i; j++) {
          if (scratchKey[j] !== k || scratchKind[j] !== READ || ((value[j] as Mop)[2] ?? null) !== v) continue;
          futureFound = true;
          addAnomaly(anomalies, "future-read", {
            op: summarizeTxn(txns, t),
            mop: value[j],
            element: v,
            explanation: `the transaction read key ${show(mop[1])} = ${show(v)} before it wrote ${show(v)} itself`,
          });
          break;
        }
        continue;
      }
      if (internalFound) continue;
      let j = i - 1;
      while (j >= 0 && scratchKey[j] !== k) j--;
      if (j < 0) continue;
      const expected = (value[j] as Mop)[2] ?? null;
      if (expected === v) continue;
      internalFound = true;
      addAnomaly(anomalies, "internal", {
        op: summarizeTxn(txns, t),
        mop,
        expected,
        explanation: `the transaction read key ${show(mop[1])} = ${show(v)}, but its own earlier operations imply ${show(expected)}`,
      });
    }
  }

  const keyCount = keyNames.length;
  const writeCount = writeTxn.length;
  const versionSpace = writeCount + keyCount;
  const initVersion = (k: number) => writeCount + k;
  const isVersion = (w: number) => writeFinal.data[w] === 1 && type[writeTxn.data[w]] !== FAIL;

  // External reads resolve to the version they observed, or to an anomaly.
  const readVersion = alloc.int32(extReadTxn.length);
  for (let r = 0; r < extReadTxn.length; r++) {
    const t = extReadTxn.data[r];
    const k = extReadKey.data[r];
    const mop = mops[t][extReadMop.data[r]] as Mop;
    const v = mop[2] ?? null;
    readVersion[r] = -1;
    if (v === null) {
      readVersion[r] = initVersion(k);
      continue;
    }
    const w = writeIndex.get(k, v);
    if (w === -1) {
      addAnomaly(anomalies, "garbage-read", {
        op: summarizeTxn(txns, t),
        mop,
        element: v,
        explanation: `the transaction read key ${show(mop[1])} = ${show(v)}, a value no transaction ever wrote to it`,
      });
      continue;
    }
    const writer = writeTxn.data[w];
    if (writer === t) continue; // its own later write: a future read, reported above
    if (type[writer] === FAIL) {
      addAnomaly(anomalies, "G1a", {
        op: summarizeTxn(txns, t),
        mop,
        writer: summarizeTxn(txns, writer),
        element: v,
        explanation: `the transaction read key ${show(mop[1])} = ${show(v)}, written by a transaction that failed (aborted)`,
      });
      continue;
    }
    if (writeFinal.data[w] !== 1) {
      addAnomaly(anomalies, "G1b", {
        op: summarizeTxn(txns, t),
        mop,
        writer: summarizeTxn(txns, writer),
        element: v,
        explanation: `the transaction read key ${show(mop[1])} = ${show(v)}, which its writer overwrote later in the same transaction: an intermediate state`,
      });
      continue;
    }
    readVersion[r] = w;
  }

  const firstVersion = (touch: number, t: number): number => {
    // What a transaction first saw of a key: its external read, else its own write.
    const read = touchRead.data[touch];
    if (read !== -1) return readVersion[read];
    const write = touchWrite.data[touch];
    return write !== -1 && type[t] !== FAIL ? write : -1;
  };
  const finalVersion = (touch: number, t: number): number => {
    const write = touchWrite.data[touch];
    if (write !== -1) return type[t] === FAIL ? -1 : write;
    const read = touchRead.data[touch];
    return read === -1 ? -1 : readVersion[read];
  };

  // Version edges in parallel arrays: from, to, the source that justified it, and for
  // writes-follow-reads the transaction that did. edgeIndex finds an edge by its endpoints; a
  // stage that gets rolled back leaves stale entries there, which findEdge sees through.
  const edgeFrom = new IntVec(capacity * 2, alloc);
  const edgeTo = new IntVec(capacity * 2, alloc);
  const edgeSource = new IntVec(capacity * 2, alloc);
  const edgeBy = new IntVec(capacity * 2, alloc);
  const edgeIndex = new PairIndex(capacity * 2, alloc);
  const findEdge = (from: number, to: number): number => {
    const i = edgeIndex.get(from, to);
    return i !== -1 && i < edgeFrom.length && edgeFrom.data[i] === from && edgeTo.data[i] === to ? i : -1;
  };
  const truncate = (length: number) => {
    edgeFrom.length = length;
    edgeTo.length = length;
    edgeSource.length = length;
    edgeBy.length = length;
  };

  const stage = (source: number, fill: (add: (from: number, to: number, by?: number) => void) => void) => {
    const start = edgeFrom.length;
    fill((from, to, by = -1) => {
      if (from === to || from < 0 || to < 0 || findEdge(from, to) !== -1) return;
      edgeIndex.put(from, to, edgeFrom.length);
      edgeFrom.push(from);
      edgeTo.push(to);
      edgeSource.push(source);
      edgeBy.push(by);
    });
    if (source === INITIAL || edgeFrom.length === start) return;
    const cycles = versionCycles();
    if (cycles.length === 0) return;
    const accepted = new Set<number>();
    for (let i = 0; i < start; i++) accepted.add(edgeSource.data[i]);
    truncate(start);
    const sources = [...accepted].sort().map((s) => SOURCE_NAMES[s]);
    sources.push(SOURCE_NAMES[source]);
    const anomalyType =
      source === SEQUENTIAL ? "cyclic-versions-process" : source === LINEARIZABLE ? "cyclic-versions-realtime" : "cyclic-versions";
    for (const members of cycles) {
      const k = members[0] >= writeCount ? members[0] - writeCount : writeKey.data[members[0]];
      const values = Array.from(members, (v) => (v >= writeCount ? null : (mops[writeTxn.data[v]][writeMop.data[v]] as Mop)[2]));
      addAnomaly(anomalies, anomalyType, {
        key: keyNames[k],
        values,
        sources,
        explanation: `inferring the version order of key ${show(keyNames[k])} from ${sources.join(" + ")} gives a cycle among ${show(values)}; the ${SOURCE_NAMES[source]} inference was dropped`,
      });
    }
  };

  const versionCycles = (): Int32Array[] => {
    const buffer = new EdgeBuffer(edgeFrom.length, alloc);
    for (let i = 0; i < edgeFrom.length; i++) buffer.add(edgeFrom.data[i], edgeTo.data[i], 1);
    return cyclicComponents(stronglyConnected(buildGraph(versionSpace, buffer, alloc), 1, alloc), alloc);
  };

  stage(INITIAL, (add) => {
    for (let w = 0; w < writeCount; w++) if (isVersion(w)) add(initVersion(writeKey.data[w]), w);
  });
  if (opts.wfrKeys) {
    stage(WFR, (add) => {
      for (let t = 0; t < count; t++) {
        if (type[t] !== OK) continue;
        for (let touch = touchStart[t]; touch < touchStart[t + 1]; touch++) {
          const read = touchRead.data[touch];
          const write = touchWrite.data[touch];
          if (read === -1 || write === -1) continue;
          const from = readVersion[read];
          if (from < 0 || from >= writeCount) continue;
          add(from, write, t);
        }
      }
    });
  }
  if (opts.sequentialKeys) {
    stage(SEQUENTIAL, (add) => {
      const last = new Map<number, Map<number, number>>();
      for (let t = 0; t < count; t++) {
        if (type[t] !== OK || txns.process[t] === -1) continue;
        let seen = last.get(txns.process[t]);
        if (seen === undefined) last.set(txns.process[t], (seen = new Map()));
        for (let touch = touchStart[t]; touch < touchStart[t + 1]; touch++) {
          const k = touchKey.data[touch];
          const before = seen.get(k);
          if (before !== undefined) add(before, firstVersion(touch, t));
          const after = finalVersion(touch, t);
          if (after >= 0) seen.set(k, after);
          else seen.delete(k);
        }
      }
    });
  }
  if (opts.linearizableKeys) {
    stage(LINEARIZABLE, (add) => {
      // Per key, Elle's real-time frontier: the completed transactions no later completion has
      // shown to be superseded. Entries join in completion order, so the ones a completion
      // supersedes (those present when it was invoked) are always a prefix.
      const frontierVersion: number[][] = Array.from({ length: keyCount }, () => []);
      const frontierPos: number[][] = Array.from({ length: keyCount }, () => []);
      const head = new Int32Array(keyCount);
      const { eventAt, invokePos, completionPos } = txns;
      for (let pos = 0; pos < eventAt.length; pos++) {
        const event = eventAt[pos];
        if (event === -1) continue;
        const t = event >> 1;
        if (type[t] === FAIL) continue;
        if ((event & 1) === 0) {
          for (let touch = touchStart[t]; touch < touchStart[t + 1]; touch++) {
            const k = touchKey.data[touch];
            const to = type[t] === INFO ? finalVersion(touch, t) : firstVersion(touch, t);
            if (to < 0) continue;
            const versions = frontierVersion[k];
            for (let i = head[k]; i < versions.length; i++) add(versions[i], to);
          }
        } else if (type[t] === OK) {
          for (let touch = touchStart[t]; touch < touchStart[t + 1]; touch++) {
            const k = touchKey.data[touch];
            const positions = frontierPos[k];
            if (invokePos[t] !== -1) while (head[k] < positions.length && positions[head[k]] < invokePos[t]) head[k]++;
            const after = finalVersion(touch, t);
            if (after < 0) continue;
            frontierVersion[k].push(after);
            positions.push(completionPos[t]);
          }
        }
      }
    });
  }

  // Readers of each version, bucketed; then wr edges, and ww and rw edges along every version
  // edge, into a buffer sized by counting them first.
  const readerStart = alloc.int32(versionSpace + 1);
  for (let r = 0; r < readVersion.length; r++) if (readVersion[r] >= 0) readerStart[readVersion[r] + 1]++;
  for (let v = 0; v < versionSpace; v++) readerStart[v + 1] += readerStart[v];
  const readers = alloc.int32(readerStart[versionSpace]);
  {
    const fill = alloc.int32(versionSpace);
    fill.set(readerStart.subarray(0, versionSpace));
    for (let r = 0; r < readVersion.length; r++) if (readVersion[r] >= 0) readers[fill[readVersion[r]]++] = extReadTxn.data[r];
  }
  let edgeCount = readVersion.length + reserveEdges;
  for (let i = 0; i < edgeFrom.length; i++) {
    const from = edgeFrom.data[i];
    edgeCount += 1 + readerStart[from + 1] - readerStart[from];
  }
  const edges = new EdgeBuffer(edgeCount, alloc);
  for (let r = 0; r < readVersion.length; r++) {
    const w = readVersion[r];
    if (w >= 0 && w < writeCount) edges.add(writeTxn.data[w], extReadTxn.data[r], WR);
  }
  for (let i = 0; i < edgeFrom.length; i++) {
    const from = edgeFrom.data[i];
    const to = edgeTo.data[i];
    const source = edgeSource.data[i];
    const writer = writeTxn.data[to];
    const ww = source === SEQUENTIAL ? WW_PROCESS : source === LINEARIZABLE ? WW_REALTIME : WW;
    const rw = source === SEQUENTIAL ? RW_PROCESS : source === LINEARIZABLE ? RW_REALTIME : RW;
    if (from < writeCount) edges.add(writeTxn.data[from], writer, ww);
    for (let i = readerStart[from]; i < readerStart[from + 1]; i++) edges.add(readers[i], writer, rw);
  }

  lostUpdates();

  function lostUpdates(): void {
    const firstByState = new Map<number, number>();
    const groups = new Map<number, number[]>();
    for (let u = 0; u < updateTxn.length; u++) {
      const version = readVersion[updateRead.data[u]];
      if (version < 0) continue;
      const first = firstByState.get(version);
      if (first === undefined) firstByState.set(version, u);
      else {
        const group = groups.get(version);
        if (group === undefined) groups.set(version, [first, u]);
        else group.push(u);
      }
    }
    for (const group of groups.values()) {
      const read = updateRead.data[group[0]];
      const mop = mops[extReadTxn.data[read]][extReadMop.data[read]] as Mop;
      addAnomaly(anomalies, "lost-update", {
        key: mop[1],
        value: mop[2] ?? null,
        txns: group.map((g) => summarizeTxn(txns, updateTxn.data[g])),
        explanation: `${group.length} committed transactions read key ${show(mop[1])} = ${show(mop[2] ?? null)} and each wrote it, so each overwrote an update the others never saw`,
      });
    }
  }

  const writtenValue = (w: number): unknown => (mops[writeTxn.data[w]][writeMop.data[w]] as Mop)[2];
  const sourceOfKind = (kind: number): readonly number[] =>
    kind === WW_PROCESS || kind === RW_PROCESS ? [SEQUENTIAL] : kind === WW_REALTIME || kind === RW_REALTIME ? [LINEARIZABLE] : [INITIAL, WFR];
  const because = (edge: number): string => {
    const source = edgeSource.data[edge];
    if (source === INITIAL) return "every key starts nil";
    if (source === WFR) return `the transaction at index ${summarizeTxn(txns, edgeBy.data[edge]).index} read the first and then wrote the second`;
    if (source === SEQUENTIAL) return "one process saw them in that order, and the model keeps each key sequential per process";
    return "one was seen before the other began, and the model keeps each key linearizable";
  };

  const explainer: PairExplainer = {
    explain(from, to, kind, fromName, toName): StepFacts | null {
      if (kind === WR) {
        for (let touch = touchStart[to]; touch < touchStart[to + 1]; touch++) {
          const read = touchRead.data[touch];
          if (read === -1) continue;
          const w = readVersion[read];
          if (w < 0 || w >= writeCount || writeTxn.data[w] !== from) continue;
          const key = keyNames[touchKey.data[touch]];
          const v = writtenValue(w);
          return { key, value: v, text: `${toName} read key ${show(key)} = ${show(v)}, which ${fromName} wrote` };
        }
        return null;
      }
      const sources = sourceOfKind(kind);
      const isWW = kind === WW || kind === WW_PROCESS || kind === WW_REALTIME;
      for (let touchTo = touchStart[to]; touchTo < touchStart[to + 1]; touchTo++) {
        const second = touchWrite.data[touchTo];
        if (second === -1) continue;
        const k = touchKey.data[touchTo];
        for (let touchFrom = touchStart[from]; touchFrom < touchStart[from + 1]; touchFrom++) {
          if (touchKey.data[touchFrom] !== k) continue;
          let first: number;
          if (isWW) first = touchWrite.data[touchFrom];
          else first = touchRead.data[touchFrom] === -1 ? -1 : readVersion[touchRead.data[touchFrom]];
          if (first < 0) continue;
          const edge = findEdge(first, second);
          if (edge === -1 || !sources.includes(edgeSource.data[edge])) continue;
          const key = keyNames[k];
          const before = first >= writeCount ? null : writtenValue(first);
          const after = writtenValue(second);
          const reason = because(edge);
          const text = isWW
            ? `${fromName} wrote key ${show(key)} = ${show(before)} and ${toName} wrote ${show(after)}, which follows it (${reason})`
            : `${fromName} read key ${show(key)} = ${show(before)} and ${toName} wrote ${show(after)}, which follows it (${reason})`;
          return { key, value: before, valueAfter: after, text };
        }
      }
      return null;
    },
  };

  const dataEdgeCount = edges.length;
  return { edges, anomalies, explainer, fatal, keyCount, dataEdgeCount };
}
