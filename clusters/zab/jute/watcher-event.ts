// A watch notification: a reply with xid -1 (Xid.notification) whose body is
//   WatcherEvent  type:int state:int path:ustring
// One-shot watches fire once per registration; the event says what happened, not the new value.

import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

/** Watcher.Event.EventType */
export const EventType = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
  dataWatchRemoved: 5,
  childWatchRemoved: 6,
  persistentWatchRemoved: 7,
} as const;

/** Watcher.Event.KeeperState */
export const KeeperState = {
  disconnected: 0,
  syncConnected: 3,
  authFailed: 4,
  connectedReadOnly: 5,
  saslAuthenticated: 6,
  expired: -112,
  closed: 7,
} as const;

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

export function readWatcherEvent(reader: JuteReader): WatcherEvent {
  // Session events (type none) may carry a null path; it reads as "".
  return { type: reader.int("event.type"), state: reader.int("event.state"), path: reader.nullableString("event.path") ?? "" };
}

export function writeWatcherEvent(writer: JuteWriter, event: WatcherEvent): void {
  writer.int(event.type).int(event.state).string(event.path);
}
