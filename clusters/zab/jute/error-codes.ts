// ZooKeeper's error codes (KeeperException.Code; ZOO_ERRORS in the C client's zookeeper.h), as the
// numbers a ReplyHeader's err and a multi's ErrorResult carry. -1..-99 are system errors, -100 and
// below API errors; the two range markers are never sent.

export const ErrorCode = {
  ok: 0,
  systemError: -1,
  runtimeInconsistency: -2,
  dataInconsistency: -3,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  unknownSession: -12,
  newConfigNoQuorum: -13,
  reconfigInProgress: -14,
  apiError: -100,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidCallback: -113,
  invalidACL: -114,
  authFailed: -115,
  sessionMoved: -118,
  notReadOnly: -119,
  ephemeralOnLocalSession: -120,
  noWatcher: -121,
  requestTimeout: -122,
  reconfigDisabled: -123,
  sessionClosedRequireSaslAuth: -124,
  quotaExceeded: -125,
  throttledOp: -127,
} as const;

export type ErrorName = keyof typeof ErrorCode;

const NAMES_BY_CODE = new Map<number, ErrorName>(Object.entries(ErrorCode).map(([name, code]) => [code, name as ErrorName]));

/** The name of an error code ("noNode"), or undefined for a number ZooKeeper does not define. */
export function errorName(code: number): ErrorName | undefined {
  return NAMES_BY_CODE.get(code);
}
