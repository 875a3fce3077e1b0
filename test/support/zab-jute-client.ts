// A bare ZooKeeper client on our jute codec (clusters/zab/jute), for what the C client of npm
// `zookeeper` cannot do: send a multi (the package binds no zoo_amulti), hold a session without
// pinging it (so that the server expires it), and resume a session by id and password. The same
// bytes go to our ensemble and to real ZooKeeper, which referees.

import { connect, type Socket } from "node:net";
import { decodeConnectResponse, encodeConnectRequest, type ConnectResponse } from "../../clusters/zab/jute/connect.ts";
import { encodeJuteFrame, JuteFrameDecoder } from "../../clusters/zab/jute/frames.ts";
import { OpCode, Xid } from "../../clusters/zab/jute/op-codes.ts";
import { encodeRequest, type ClientRequest } from "../../clusters/zab/jute/requests.ts";
import { decodeReply, type ReplyFrame } from "../../clusters/zab/jute/responses.ts";

export class JuteClient {
  private readonly frames = new JuteFrameDecoder();
  private readonly waiting: ((payload: Buffer) => void)[] = [];
  private readonly received: Buffer[] = [];
  private nextXid = 1;
  private closedWith: Error | undefined;
  readonly notifications: ReplyFrame[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const payload of this.frames.push(chunk)) {
        const next = this.waiting.shift();
        if (next) next(payload);
        else this.received.push(payload);
      }
    });
    socket.on("close", () => {
      this.closedWith = new Error("the server closed the connection");
      for (const next of this.waiting.splice(0)) next(Buffer.alloc(0));
    });
    socket.on("error", () => undefined);
  }

  /** Connects and shakes hands; a new session unless `session` names one to resume. */
  static async open(host: string, port: number, options: { timeoutMs: number; session?: { id: bigint; passwd: Uint8Array } }): Promise<{ client: JuteClient; response: ConnectResponse }> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    const client = new JuteClient(socket);
    socket.write(
      encodeJuteFrame(
        encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: options.timeoutMs, sessionId: options.session?.id ?? 0n, passwd: options.session?.passwd ?? new Uint8Array(16), readOnly: false }),
      ),
    );
    const payload = await client.next();
    if (payload.length === 0) throw new Error(`${host}:${port} closed the connection instead of answering the ConnectRequest`);
    return { client, response: decodeConnectResponse(payload) };
  }

  /** Sends one request and waits for its reply (notifications that come first are kept). */
  async call(request: ClientRequest): Promise<ReplyFrame> {
    const xid = request.op === "ping" ? Xid.ping : this.nextXid++;
    this.socket.write(encodeJuteFrame(encodeRequest({ header: { xid, type: OpCode[request.op] }, request })));
    for (;;) {
      const payload = await this.next();
      if (payload.length === 0) throw this.closedWith ?? new Error("connection closed");
      const reply = decodeReply(payload, request.op);
      if (reply.header.xid === Xid.notification) {
        this.notifications.push(reply);
        continue;
      }
      return reply;
    }
  }

  /** Writes raw bytes (hostile-input tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves once the server has closed the connection (within `timeoutMs`). */
  async closedByServer(timeoutMs: number): Promise<boolean> {
    if (this.socket.destroyed || this.closedWith) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private next(): Promise<Buffer> {
    const ready = this.received.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closedWith) return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
