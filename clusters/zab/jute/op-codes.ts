// ZooKeeper's request types (ZooDefs.OpCode) and the reserved xids of its client protocol, as the
// numbers on the wire. A RequestHeader names its request by one of these; a multi names each op.

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

export type OpName = keyof typeof OpCode;

const NAMES_BY_CODE = new Map<number, OpName>(Object.entries(OpCode).map(([name, code]) => [code, name as OpName]));

/** The name of an op code, or undefined for a number ZooKeeper does not define. */
export function opName(code: number): OpName | undefined {
  return NAMES_BY_CODE.get(code);
}

/** xids the client protocol reserves (ClientCnxn): replies carrying them are not answers to a
 *  numbered request. */
export const Xid = {
  /** A WatcherEvent pushed by the server. */
  notification: -1,
  ping: -2,
  auth: -4,
  /** Re-registration of watches after a reconnect. */
  setWatches: -8,
} as const;
