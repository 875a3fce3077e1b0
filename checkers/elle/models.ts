// Consistency models, the anomalies each one prohibits, and which anomalies imply which — the part
// of Elle's jepsen.elle.consistency-model that our workloads can speak to. A history that exhibits
// an anomaly rules out every model prohibiting it or anything it implies; `not` is the weakest
// such models and `alsoNot` the stronger ones above them.
//
// Sources as in Elle: Adya's thesis (G0, G1*, G2-item, PL-*), Bailis et al. (HATs, cursor
// stability and lost update), Cerone & Gotsman (SI forbids any cycle whose anti-dependencies are
// never adjacent: G-nonadjacent), Daudjee & Salem (strong session variants). The lattice keeps
// only models our anomalies distinguish; models Elle has between them (consistent view, forward
// consistent view) are left out, so a G-single names snapshot isolation and repeatable read as
// the weakest models it rules out.

/** model → the weaker models it implies (a history satisfying it satisfies them). */
const IMPLIES: Readonly<Record<string, readonly string[]>> = {
  "strict-serializable": ["serializable", "strong-snapshot-isolation", "strong-session-serializable"],
  "strong-session-serializable": ["serializable", "strong-session-snapshot-isolation"],
  serializable: ["repeatable-read", "snapshot-isolation"],
  "strong-snapshot-isolation": ["strong-session-snapshot-isolation", "strong-read-committed"],
  "strong-session-snapshot-isolation": ["snapshot-isolation", "strong-session-read-committed"],
  "snapshot-isolation": ["cursor-stability", "read-atomic"],
  "repeatable-read": ["cursor-stability"],
  "cursor-stability": ["read-committed"],
  "read-atomic": ["read-committed"],
  "read-committed": ["read-uncommitted"],
  "read-uncommitted": [],
  "strong-read-committed": ["strong-session-read-committed", "strong-read-uncommitted"],
  "strong-session-read-committed": ["read-committed", "strong-session-read-uncommitted"],
  "strong-read-uncommitted": ["strong-session-read-uncommitted"],
  "strong-session-read-uncommitted": ["read-uncommitted"],
};

/** Anomalies each model adds to those of the models it implies. */
const PROHIBITS: Readonly<Record<string, readonly string[]>> = {
  "read-uncommitted": ["G0", "duplicate-elements", "garbage-read", "cyclic-versions"],
  "read-committed": ["G1"],
  "cursor-stability": ["G1", "lost-update"],
  "read-atomic": ["internal", "G1a", "future-read"],
  "repeatable-read": ["G1", "G2-item", "lost-update"],
  "snapshot-isolation": ["internal", "G1", "G-nonadjacent"],
  serializable: ["internal", "G1", "G2"],
  "strict-serializable": ["G1", "G1c-realtime", "G2-realtime", "cyclic-versions-realtime"],
  "strong-session-read-uncommitted": ["G0-process"],
  "strong-session-read-committed": ["G1c-process"],
  "strong-read-uncommitted": ["G0-realtime"],
  "strong-read-committed": ["G1c-realtime"],
  "strong-session-snapshot-isolation": ["internal", "G1-process", "G-nonadjacent-process", "cyclic-versions-process"],
  "strong-snapshot-isolation": ["internal", "G1-realtime", "G-nonadjacent-realtime", "cyclic-versions-realtime"],
  "strong-session-serializable": ["G1-process", "G2-process", "cyclic-versions-process"],
};

/** anomaly → anomalies it is a special case of (seeing it means seeing those). */
const ANOMALY_IMPLIES: Readonly<Record<string, readonly string[]>> = {
  G0: ["G1c", "G0-process"],
  "G0-process": ["G1c-process", "G0-realtime"],
  "G0-realtime": ["G1c-realtime"],
  G1a: ["G1"],
  G1b: ["G1"],
  G1c: ["G1", "G1c-process"],
  "G1c-process": ["G1c-realtime", "G1-process"],
  "G1c-realtime": ["G1-realtime"],
  G1: ["G1-process"],
  "G1-process": ["G1-realtime"],
  "G1-realtime": [],
  // Single-key anomalies only: a G-single is a G2-item (Adya: a cycle with an item anti-dependency).
  "G-single": ["G-nonadjacent", "G-single-process"],
  "G-single-process": ["G-nonadjacent-process", "G-single-realtime"],
  "G-single-realtime": ["G-nonadjacent-realtime"],
  "G-nonadjacent": ["G2-item", "G-nonadjacent-process"],
  "G-nonadjacent-process": ["G2-item-process", "G-nonadjacent-realtime"],
  "G-nonadjacent-realtime": ["G2-item-realtime"],
  "G2-item": ["G2", "G2-item-process"],
  "G2-item-process": ["G2-process", "G2-item-realtime"],
  "G2-item-realtime": ["G2-realtime"],
  G2: ["G2-process"],
  "G2-process": ["G2-realtime"],
  "G2-realtime": [],
  // Two reads no single order of appends explains: one of them saw a state that never committed.
  "incompatible-order": ["G1a"],
  // A committed append on top of an aborted one: the writer saw aborted state.
  "dirty-update": ["G1a"],
  // A read of the transaction's own later write: a one-transaction wr cycle.
  "future-read": ["G1c"],
  // Both transactions read what the other overwrote: an rw-rw cycle, whether or not we saw the order.
  "lost-update": ["G2-item"],
  internal: [],
  "duplicate-elements": [],
  "garbage-read": [],
  "cyclic-versions": ["cyclic-versions-process"],
  "cyclic-versions-process": ["cyclic-versions-realtime"],
  "cyclic-versions-realtime": [],
};

/** Anomalies that say the checker could not finish or could not trust its input: they make the
 *  verdict unknown (unless something prohibited was found) and rule out no model. */
export const UNKNOWN_ANOMALY_TYPES: ReadonlySet<string> = new Set([
  "cycle-search-timeout",
  "empty-transaction-graph",
  "duplicate-appends",
  "duplicate-writes",
  "unexpected-txn-micro-op-types",
]);

const ALIASES: Readonly<Record<string, string>> = {
  "strong-serializable": "strict-serializable",
  "strict-1SR": "strict-serializable",
  "PL-SS": "strict-serializable",
  "conflict-serializable": "serializable",
  "PL-3": "serializable",
  "PL-SI": "snapshot-isolation",
  "PL-2.99": "repeatable-read",
  "PL-CS": "cursor-stability",
  "PL-2": "read-committed",
  "PL-1": "read-uncommitted",
  "strong-session-PL-1": "strong-session-read-uncommitted",
  "strong-session-PL-2": "strong-session-read-committed",
  "strong-PL-1": "strong-read-uncommitted",
  "strong-PL-2": "strong-read-committed",
};

export const MODELS: readonly string[] = Object.keys(IMPLIES);

export function canonicalModel(model: string): string {
  const name = ALIASES[model] ?? model;
  if (IMPLIES[name] === undefined) throw new Error(`unknown consistency model ${JSON.stringify(model)}; known models: ${MODELS.join(", ")}`);
  return name;
}

function closure(start: Iterable<string>, step: (node: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const node = queue.pop() as string;
    if (seen.has(node)) continue;
    seen.add(node);
    queue.push(...step(node));
  }
  return seen;
}

const impliedBy = new Map<string, string[]>();
for (const [stronger, weaker] of Object.entries(IMPLIES)) {
  for (const model of weaker) {
    const list = impliedBy.get(model) ?? [];
    list.push(stronger);
    impliedBy.set(model, list);
  }
}
const anomalyImpliedBy = new Map<string, string[]>();
for (const [special, general] of Object.entries(ANOMALY_IMPLIES)) {
  for (const anomaly of general) {
    const list = anomalyImpliedBy.get(anomaly) ?? [];
    list.push(special);
    anomalyImpliedBy.set(anomaly, list);
  }
}

/** The models these imply, themselves included. */
export function impliedModels(models: Iterable<string>): Set<string> {
  return closure([...models].map(canonicalModel), (m) => IMPLIES[m] ?? []);
}

/** The anomalies these anomalies are special cases of, themselves included. */
export function impliedAnomalies(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, (a) => ANOMALY_IMPLIES[a] ?? []);
}

/** Every anomaly type that, if present, means one of `models` does not hold. */
export function anomaliesProhibitedBy(models: Iterable<string>): Set<string> {
  const direct = new Set<string>();
  for (const model of impliedModels(models)) for (const anomaly of PROHIBITS[model] ?? []) direct.add(anomaly);
  return closure(direct, (a) => anomalyImpliedBy.get(a) ?? []);
}

/** Models that cannot hold given these anomalies. */
export function impossibleModels(anomalies: Iterable<string>): Set<string> {
  const implied = impliedAnomalies(anomalies);
  const ruledOut: string[] = [];
  for (const [model, prohibited] of Object.entries(PROHIBITS)) if (prohibited.some((a) => implied.has(a))) ruledOut.push(model);
  return closure(ruledOut, (m) => impliedBy.get(m) ?? []);
}

/** Elle's boundary: `not` the weakest ruled-out models, `alsoNot` every stronger ruled-out one. */
export function boundary(anomalies: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const impossible = impossibleModels(anomalies);
  const not: string[] = [];
  const alsoNot: string[] = [];
  for (const model of impossible) {
    const weakerRuledOut = (IMPLIES[model] ?? []).some((weaker) => impossible.has(weaker));
    (weakerRuledOut ? alsoNot : not).push(model);
  }
  return { not: not.sort(), alsoNot: alsoNot.sort() };
}

export function isKnownAnomaly(type: string): boolean {
  return ANOMALY_IMPLIES[type] !== undefined || UNKNOWN_ANOMALY_TYPES.has(type);
}
