// How one ZooKeeper server runs: Debian's jars on the JVM, started directly (not through
// zkServer.sh, whose environment file points at /etc/zookeeper and /var/log/zookeeper) by a shell
// that writes myid, zoo.cfg and the log configuration into the node's data directory and then
// becomes the JVM, so that the runtime's signals reach the server itself.
//
// Servers reach each other on their real peer and election ports, never through the local
// runtime's frame proxy (ZooKeeper's quorum traffic is not our frames): partitions need the
// docker runtime.

import type { ProcessSpec, Runtime } from "../runtime/runtime.ts";
import type { ElectionPorts } from "./election-ports.ts";

/** Debian's layout: zookeeper.jar names its dependencies in its manifest's Class-Path; logging
 *  goes through slf4j to log4j 1.2, which the package depends on. */
export const CLASS_PATH_JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"];
const MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/** Short ticks so that a frozen leader is noticed within seconds: followers give up on a leader
 *  after syncLimit ticks; sessions may last 2–20 ticks. */
const TICK_MS = 500;
const INIT_LIMIT_TICKS = 20;
const SYNC_LIMIT_TICKS = 5;

/** The JVM shares two cores with everything else: a small heap, one GC thread, the quick JIT. */
const JVM_FLAGS = ["-Xms32m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true"];

const LOG_CONFIG = [
  "log4j.rootLogger=INFO, CONSOLE",
  "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
  "log4j.appender.CONSOLE.Target=System.out",
  "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n",
].join("\n") + "\n";

/** ZooKeeper's server id for a node: its position, from 1. */
export function serverId(nodes: readonly string[], node: string): number {
  const index = nodes.indexOf(node);
  if (index < 0) throw new Error(`zookeeper: node ${node} is not one of ${nodes.join(", ")}`);
  return index + 1;
}

export function zooConfig(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, election: ElectionPorts): string {
  const info = runtime.node(node);
  const lines = [
    `tickTime=${TICK_MS}`,
    `initLimit=${INIT_LIMIT_TICKS}`,
    `syncLimit=${SYNC_LIMIT_TICKS}`,
    `dataDir=${info.dataDir}/zookeeper`,
    `clientPort=${info.clientPort}`,
    `clientPortAddress=${info.host}`,
    // Every client of a local run comes from 127.0.0.1; the default of 60 per address is too few.
    "maxClientCnxns=0",
    "admin.enableServer=false",
    "4lw.commands.whitelist=srvr",
    // The default preallocates 64 MB per transaction log; a test writes far less.
    "preAllocSize=4096",
    // A one-node ensemble still runs the quorum code, like the others.
    "standaloneEnabled=false",
    "reconfigEnabled=false",
    ...nodes.map((member) => {
      const peer = runtime.node(member);
      return `server.${serverId(nodes, member)}=${peer.host}:${peer.peerPort}:${election.port(member)}`;
    }),
  ];
  return lines.join("\n") + "\n";
}

const START_SCRIPT = [
  "set -e",
  'dir="$1"',
  'mkdir -p "$dir/zookeeper"',
  'printf "%s\\n" "$2" > "$dir/zookeeper/myid"',
  'printf "%s" "$3" > "$dir/zoo.cfg"',
  'printf "%s" "$4" > "$dir/log4j.properties"',
  "shift 4",
  'exec java "$@"',
].join("\n");

export function nodeProcessSpec(runtime: Pick<Runtime, "node">, nodes: readonly string[], node: string, election: ElectionPorts): ProcessSpec {
  const dir = runtime.node(node).dataDir;
  return {
    command: "sh",
    args: [
      "-c", START_SCRIPT, "faultline-zookeeper",
      dir, String(serverId(nodes, node)), zooConfig(runtime, nodes, node, election), LOG_CONFIG,
      ...JVM_FLAGS,
      `-Dlog4j.configuration=file:${dir}/log4j.properties`,
      "-cp", CLASS_PATH_JARS.join(":"),
      MAIN_CLASS, `${dir}/zoo.cfg`,
    ],
  };
}
