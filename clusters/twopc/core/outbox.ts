// The commit core's outbox: the textbook nodes' (clusters/textbook/outbox.ts) for its own types.

import { Outbox as TextbookOutbox } from "../../textbook/outbox.ts";
import type { ClientReply, LogRecord, PeerMessage } from "./types.ts";

export class Outbox extends TextbookOutbox<PeerMessage, LogRecord, ClientReply> {}
