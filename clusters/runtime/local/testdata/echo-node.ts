// A tiny peer for runtime tests: real process, real sockets, our frame format.
//
//   echo-node.ts --name n1 --listen PORT --peer n2=HOST:PORT --peer n3=HOST:PORT …
//
// Dials every peer (through whatever address it is given — the relays, in tests), redialling
// every 100 ms while a connection is down, and sends each peer a numbered ping every 20 ms.
// Answers every ping it receives with a pong on the same connection. Logs one line per frame:
//   ping from=n2 seq=17 latencyMs=3      a ping n2 sent to us (seq counts per sender→receiver)
//   pong from=n2 seq=17 latencyMs=1      n2's answer to our ping 17 (latency of the answer alone)

import net from "node:net";
import { FrameDecoder, encodeFrame } from "../frames.ts";

interface Message {
  kind: "ping" | "pong";
  from: string;
  seq: number;
  sentAt: number;
}

function parseArgs(argv: string[]) {
  let name = "";
  let listen = 0;
  const peers: { name: string; host: string; port: number }[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--name") name = value;
    else if (flag === "--listen") listen = Number(value);
    else if (flag === "--peer") {
      const [peerName, address] = value.split("=");
      const [host, port] = address.split(":");
      peers.push({ name: peerName, host, port: Number(port) });
    } else throw new Error(`echo-node: unknown flag ${flag}; expected --name, --listen, --peer`);
  }
  if (!name || !listen) throw new Error("echo-node: --name and --listen are required");
  return { name, listen, peers };
}

const { name, listen, peers } = parseArgs(process.argv.slice(2));

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function send(socket: net.Socket, message: Message): void {
  socket.write(encodeFrame(Buffer.from(JSON.stringify(message))));
}

function onFrames(socket: net.Socket, handle: (message: Message) => void): void {
  const decoder = new FrameDecoder();
  socket.on("data", (chunk: Buffer) => {
    for (const payload of decoder.push(chunk)) handle(JSON.parse(payload.toString()) as Message);
  });
}

const server = net.createServer((socket) => {
  socket.on("error", () => {});
  onFrames(socket, (message) => {
    if (message.kind !== "ping") return;
    log(`ping from=${message.from} seq=${message.seq} latencyMs=${Date.now() - message.sentAt}`);
    send(socket, { kind: "pong", from: name, seq: message.seq, sentAt: Date.now() });
  });
});
server.listen({ host: "127.0.0.1", port: listen }, () => log("ready"));

for (const peer of peers) {
  let seq = 0;
  let connected: net.Socket | undefined;
  const dial = () => {
    const socket = net.connect({ host: peer.host, port: peer.port });
    socket.setNoDelay(true);
    socket.on("connect", () => {
      connected = socket;
      log(`connected to=${peer.name}`);
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (connected === socket) connected = undefined;
      setTimeout(dial, 100);
    });
    onFrames(socket, (message) => {
      if (message.kind === "pong") log(`pong from=${message.from} seq=${message.seq} latencyMs=${Date.now() - message.sentAt}`);
    });
  };
  dial();
  setInterval(() => {
    if (connected) send(connected, { kind: "ping", from: name, seq: seq++, sentAt: Date.now() });
  }, 20);
}
