// Whether a server's port is open: the first sign of life of a server that answers nothing else
// yet (an etcd member restarted on the minority side, a broker still loading).

import { connect } from "node:net";

/** Whether `host:port` accepts a TCP connection within `timeoutMs`. */
export function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
