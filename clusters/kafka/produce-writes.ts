// Whether a produce request left this client: kafkajs's errors cannot say (when a produce fails it
// reconnects and refreshes metadata before it rethrows, and an error there replaces the produce's
// own — see outcome.ts), so the client counts the Produce requests it hands to its sockets. A
// kafkajs request is one socket write: int32 size, int16 api key, … (protocol/request.js), and
// Produce is api key 0. Counting a write as "may have reached the broker" errs the safe way.

import { connect, isIP } from "node:net";
import { connect as connectTls } from "node:tls";
import type { ISocketFactory } from "kafkajs";

const PRODUCE_API_KEY = 0;
/** Bytes before the api key: the request's int32 size. */
const API_KEY_OFFSET = 4;
/** kafkajs's own default (network/socketFactory.js). */
const KEEP_ALIVE_DELAY_MS = 60_000;

export class ProduceWrites {
  /** Produce requests written to any of this client's sockets so far. */
  count = 0;

  /** A kafkajs socket factory like its default, whose sockets count the Produce requests written. */
  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    // One request per write call; anything that is not a whole request frame passes uncounted.
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) && chunk.length >= API_KEY_OFFSET + 2 && chunk.readInt16BE(API_KEY_OFFSET) === PRODUCE_API_KEY) this.count++;
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}
