// The docker runtime against a real engine: containers, partitions by grudge, packet loss, process
// faults, logs, teardown and cleanup after a killed harness. Needs root (installs Docker if missing).

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_IMAGE } from "../../clusters/runtime/docker/images/names.ts";
import { buildBaseImage, buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { createDockerRuntimeFor } from "../../clusters/runtime/docker/for-system.ts";
import { raftSystem } from "../../clusters/raft/system.ts";
import { cleanupDocker } from "../../clusters/runtime/docker/cleanup.ts";
import { DockerRuntime } from "../../clusters/runtime/docker/docker-runtime.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import { CHAIN } from "../../clusters/runtime/docker/firewall.ts";
import { datagramsHeard, hearingMatrix, runLeftovers, sh, uniqueRunId } from "./helpers/docker-probes.ts";

const NODES = ["n1", "n2", "n3"];
let docker: Docker;

beforeAll(async () => {
  docker = await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
  await buildBaseImage({ docker, onProgress: (line) => console.log(line) });
});

function tcpReachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Who hears whom, as "a>b" for every directed link whose datagrams arrive. */
function hearing(runtime: DockerRuntime): Promise<string[]> {
  return hearingMatrix(
    docker,
    NODES.map((name) => ({ name, container: runtime.containerName(name), address: runtime.node(name).host })),
  );
}

const ALL_LINKS = ["n1>n2", "n1>n3", "n2>n1", "n2>n3", "n3>n1", "n3>n2"];

describe("docker runtime", () => {
  let runtime: DockerRuntime;
  let runId: string;
  const runDir = mkdtempSync(join(tmpdir(), "faultline-docker-run-"));

  beforeAll(async () => {
    runId = uniqueRunId("systest");
    const started = performance.now();
    runtime = await DockerRuntime.create({ nodes: NODES, image: BASE_IMAGE, runId, dir: runDir, clientPort: 5000, peerPort: 5001, docker });
    console.log(`3-container runtime created in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  });

  afterAll(async () => {
    await runtime?.teardown();
  });

  it("creates one labelled container per node on the run's own internal network", async () => {
    expect(runtime.nodes().map((n) => n.name)).toEqual(NODES);
    const network = await docker.getNetwork(`faultline-${runId}`).inspect();
    expect(network.Internal).toBe(true);
    expect(network.Labels?.["faultline.run"]).toBe(runId);
    for (const node of NODES) {
      const info = await docker.getContainer(runtime.containerName(node)).inspect();
      expect(info.Config.Hostname).toBe(node);
      expect(info.Config.Labels["faultline.run"]).toBe(runId);
      expect(info.Config.Labels["faultline.node"]).toBe(node);
      expect(info.HostConfig.Init).toBe(true);
      expect(info.HostConfig.CapAdd).toContain("NET_ADMIN");
      expect(info.NetworkSettings.Networks[`faultline-${runId}`].IPAddress).toBe(runtime.node(node).host);
      expect(runtime.node(node)).toMatchObject({ clientPort: 5000, peerPort: 5001, dataDir: `/var/lib/faultline/${node}` });
      expect(runtime.peerAddress("n1", node)).toEqual({ host: runtime.node(node).host, port: 5001 });
    }
    const record = JSON.parse(readFileSync(join(runDir, "docker.json"), "utf8")) as { network: string; nodes: Record<string, { address: string }> };
    expect(record.network).toBe(`faultline-${runId}`);
    expect(record.nodes.n2.address).toBe(runtime.node("n2").host);
  });

  it("runs a server reachable from the host, and peers reach each other by name", async () => {
    for (const node of NODES) await runtime.start(node, { command: "nc", args: ["-lk", "5000"] });
    expect(NODES.map((n) => runtime.state(n))).toEqual(["running", "running", "running"]);
    expect(await tcpReachable(runtime.node("n2").host, 5000)).toBe(true);
    const byName = await runtime.exec("n1", "nc", ["-z", "-w", "2", "n3", "5000"]);
    expect(byName.exitCode).toBe(0);
    const failing = await runtime.exec("n1", "sh", ["-c", "echo out; echo err >&2; exit 3"]);
    expect(failing).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("a grudge cuts exactly the named directions, and heal restores every link", async () => {
    expect(await hearing(runtime)).toEqual(ALL_LINKS);
    // n1 cannot hear n2 or n3; n3 cannot hear n2. Everything else flows.
    await runtime.partition({ n1: ["n2", "n3"], n3: ["n2"] });
    expect(await hearing(runtime)).toEqual(["n1>n2", "n1>n3", "n3>n2"]);
    // TCP needs both directions, so n2's client port is unreachable from n1 but still from the host.
    expect((await runtime.exec("n1", "nc", ["-z", "-w", "1", runtime.node("n2").host, "5000"])).exitCode).not.toBe(0);
    expect(await tcpReachable(runtime.node("n2").host, 5000)).toBe(true);
    // A new grudge replaces the old one.
    await runtime.partition({ n2: ["n1"] });
    expect(await hearing(runtime)).toEqual(ALL_LINKS.filter((link) => link !== "n1>n2"));
    await runtime.heal();
    expect(await hearing(runtime)).toEqual(ALL_LINKS);
    await runtime.heal();
  });

  it("heal flushes only our chain, which stays hooked into INPUT", async () => {
    const container = runtime.containerName("n2");
    // A rule of someone else's (a system's own firewall, say) must survive faults and heals.
    await sh(docker, container, "iptables -A INPUT -p tcp --dport 65000 -j ACCEPT");
    await runtime.partition({ n2: ["n1"] });
    const during = (await sh(docker, container, `iptables -S ${CHAIN}`)).stdout;
    expect(during).toContain(`-A ${CHAIN} -s ${runtime.node("n1").host}/32`);
    await runtime.heal();
    const rules = (await sh(docker, container, "iptables -S")).stdout;
    expect(rules).toContain("-A INPUT -p tcp -m tcp --dport 65000 -j ACCEPT");
    expect(rules).toContain(`-A INPUT -j ${CHAIN}`);
    expect(rules.split("\n").filter((line) => line.startsWith(`-A ${CHAIN}`))).toEqual([]);
    expect(rules.indexOf(`-A INPUT -j ${CHAIN}`)).toBeLessThan(rules.indexOf("--dport 65000"));
  });

  it("packet loss drops the given fraction on the given links only", async () => {
    await runtime.setLinkFaults({ dropFraction: 1 }, [{ from: "n2", to: "n3" }]);
    expect(await hearing(runtime)).toEqual(ALL_LINKS.filter((link) => link !== "n2>n3"));
    await runtime.setLinkFaults({ dropFraction: 0.5 }, [{ from: "n2", to: "n3" }]);
    const arrived = await datagramsHeard(docker, runtime.containerName("n3"), runtime.node("n3").host, runtime.containerName("n2"), 400);
    // Binomial(400, 0.5): mean 200, sd 10; 130..270 is seven standard deviations either way.
    expect(arrived).toBeGreaterThan(130);
    expect(arrived).toBeLessThan(270);
    await runtime.heal();
    expect(await datagramsHeard(docker, runtime.containerName("n3"), runtime.node("n3").host, runtime.containerName("n2"), 20)).toBe(20);
  });

  it("refuses latency with a message pointing at the local runtime", async () => {
    await expect(runtime.setLinkFaults({ delayMs: 100 })).rejects.toThrow(/netem.*--runtime local/);
  });

  it("SIGKILL ends the server process inside the container and restart runs it again", async () => {
    const pid = runtime.serverPid("n1")!;
    expect((await sh(docker, runtime.containerName("n1"), `kill -0 ${pid}`)).exitCode).toBe(0);
    await runtime.kill("n1");
    expect(runtime.state("n1")).toBe("stopped");
    expect((await sh(docker, runtime.containerName("n1"), `kill -0 ${pid}`)).exitCode).not.toBe(0);
    expect(await tcpReachable(runtime.node("n1").host, 5000, 1000)).toBe(false);
    await runtime.kill("n1");
    await runtime.restart("n1");
    const newPid = runtime.serverPid("n1")!;
    expect(newPid).not.toBe(pid);
    expect((await sh(docker, runtime.containerName("n1"), "cat /run/faultline/server.pid")).stdout.trim()).toBe(String(newPid));
    expect(await tcpReachable(runtime.node("n1").host, 5000)).toBe(true);
  });

  it("start fails, naming the program, when the program does not exist in the container", async () => {
    await runtime.kill("n3");
    await expect(runtime.start("n3", { command: "no-such-server", args: [] })).rejects.toThrow(/no-such-server: command not found in the container/);
    expect(runtime.state("n3")).toBe("stopped");
    await runtime.start("n3", { command: "nc", args: ["-lk", "5000"] });
  });

  it("notices a server that dies by itself", async () => {
    const pid = runtime.serverPid("n3")!;
    await sh(docker, runtime.containerName("n3"), `kill -TERM ${pid}`);
    const deadline = Date.now() + 5000;
    while (runtime.state("n3") !== "stopped" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(runtime.state("n3")).toBe("stopped");
    await runtime.restart("n3");
    expect(runtime.state("n3")).toBe("running");
  });

  it("SIGSTOP / SIGCONT pause and resume the server process, not the container", async () => {
    const pid = runtime.serverPid("n2")!;
    const stat = async (): Promise<string> => (await sh(docker, runtime.containerName("n2"), `ps -o stat= -p ${pid}`)).stdout.trim();
    await runtime.pause("n2");
    expect(runtime.state("n2")).toBe("paused");
    expect(await stat()).toMatch(/^T/);
    // Only the server stops: the container still runs commands (iptables for faults, say).
    expect((await runtime.exec("n2", "true", [])).exitCode).toBe(0);
    await runtime.resume("n2");
    expect(runtime.state("n2")).toBe("running");
    expect(await stat()).toMatch(/^S/);
    // A stopped server still dies on SIGKILL.
    await runtime.pause("n2");
    await runtime.kill("n2", "SIGKILL");
    expect(runtime.state("n2")).toBe("stopped");
    await runtime.restart("n2");
  });

  it("SIGTERM to a paused server takes effect (it is continued so it can act on it)", async () => {
    await runtime.pause("n3");
    await runtime.kill("n3", "SIGTERM");
    expect(runtime.state("n3")).toBe("stopped");
    await runtime.restart("n3");
  });

  it("collects each node's server log into <dir>/<node>/", async () => {
    await runtime.kill("n1");
    await runtime.start("n1", { command: "sh", args: ["-c", 'echo "hello from $(hostname) in $PWD with $GREETING"; exec sleep 600'], env: { GREETING: "hi" }, cwd: "/tmp" });
    await new Promise((r) => setTimeout(r, 200));
    const logs = mkdtempSync(join(tmpdir(), "faultline-docker-logs-"));
    await runtime.collectLogs(logs);
    expect(readFileSync(join(logs, "n1", "n1.log"), "utf8")).toContain("hello from n1 in /tmp with hi");
    expect(existsSync(join(logs, "n2", "n2.log"))).toBe(true);
  });
});

describe("docker runtime with the freezer", () => {
  it("docker pause freezes the container, and faults still apply while it is frozen", async () => {
    const runId = uniqueRunId("systest-freeze");
    const runtime = await DockerRuntime.create({ nodes: NODES, image: BASE_IMAGE, runId, clientPort: 5000, peerPort: 5001, pauseWith: "freezer", docker });
    try {
      await runtime.start("n1", { command: "sleep", args: ["600"] });
      await runtime.pause("n1");
      expect((await docker.getContainer(runtime.containerName("n1")).inspect()).State.Paused).toBe(true);
      await runtime.partition({ n1: ["n2"] });
      await runtime.resume("n1");
      expect((await docker.getContainer(runtime.containerName("n1")).inspect()).State.Paused).toBe(false);
      expect(await hearing(runtime)).toEqual(ALL_LINKS.filter((link) => link !== "n2>n1"));
      await runtime.pause("n1");
      await runtime.heal();
      await runtime.resume("n1");
      expect(await hearing(runtime)).toEqual(ALL_LINKS);
      expect(runtime.state("n1")).toBe("running");
    } finally {
      await runtime.teardown();
    }
  });
});

describe("creating a runtime", () => {
  it("fails clearly on a missing image and leaves nothing behind", async () => {
    const runId = uniqueRunId("systest-noimage");
    await expect(
      DockerRuntime.create({ nodes: NODES, image: "faultline/no-such-image:bookworm", runId, clientPort: 1, peerPort: 2, docker }),
    ).rejects.toThrow(/image faultline\/no-such-image:bookworm does not exist; build it with 'faultline images build'/);
    expect(await runLeftovers(docker, runId)).toEqual({ containers: [], networks: [] });
  });

  it("rejects names Docker cannot take before touching the engine", async () => {
    await expect(DockerRuntime.create({ nodes: ["n 1"], image: BASE_IMAGE, runId: "ok", clientPort: 1, peerPort: 2, docker })).rejects.toThrow(/node name "n 1"/);
    await expect(DockerRuntime.create({ nodes: ["n1"], image: BASE_IMAGE, runId: "bad/id", clientPort: 1, peerPort: 2, docker })).rejects.toThrow(/runId "bad\/id"/);
  });

  it("for our own nodes' layout: their ports, and node + repository mounted at host paths", async () => {
    const layout = raftSystem.docker;
    if (!layout) throw new Error("the raft system has no docker layout");
    await buildImages([layout.image], { docker });
    const dir = mkdtempSync(join(tmpdir(), "faultline-docker-spec-"));
    const runtime = await createDockerRuntimeFor(layout, { nodes: ["n1", "n2"], testName: "System Test!", dir });
    try {
      expect(runtime.kind).toBe("docker");
      expect(runtime.nodes().map((n) => [n.name, n.clientPort, n.peerPort])).toEqual([["n1", 7000, 7100], ["n2", 7000, 7100]]);
      const record = JSON.parse(readFileSync(join(dir, "docker.json"), "utf8")) as { runId: string; image: string };
      expect(record.runId).toMatch(/^system-test-[a-z0-9]+$/);
      expect(record.image).toBe("faultline/raft:bookworm");
      const version = await runtime.exec("n2", process.execPath, ["--version"]);
      expect(version.stdout.trim()).toBe(process.version);
      const readOnly = await runtime.exec("n2", "sh", ["-c", `touch ${join(fileURLToPath(new URL("../../", import.meta.url)), "package.json")}`]);
      expect(readOnly.exitCode).not.toBe(0);
    } finally {
      await runtime.teardown();
    }
  });
});

describe("teardown and cleanup", () => {
  it("teardown removes every container and the network, and is idempotent", async () => {
    const runId = uniqueRunId("systest-teardown");
    const runtime = await DockerRuntime.create({ nodes: NODES, image: BASE_IMAGE, runId, clientPort: 5000, peerPort: 5001, docker });
    await runtime.start("n1", { command: "sleep", args: ["600"] });
    await runtime.partition({ n1: ["n2"] });
    expect((await runLeftovers(docker, runId)).containers).toHaveLength(3);
    await runtime.teardown();
    expect(await runLeftovers(docker, runId)).toEqual({ containers: [], networks: [] });
    await runtime.teardown();
    await runtime.heal();
    expect(runtime.state("n1")).toBe("stopped");
  });

  it("cleanupDocker removes what a SIGKILLed harness left and spares live runs", async () => {
    const liveRunId = uniqueRunId("systest-live");
    const live = await DockerRuntime.create({ nodes: ["n1"], image: BASE_IMAGE, runId: liveRunId, clientPort: 5000, peerPort: 5001, docker });
    const deadRunId = uniqueRunId("systest-killed");
    const script = fileURLToPath(new URL("./helpers/hold-runtime.ts", import.meta.url));
    const harness = spawn(process.execPath, ["--import", "tsx", script, deadRunId], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        harness.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("READY")) resolve();
        });
        harness.once("exit", (code) => reject(new Error(`stand-in harness exited with ${code} before READY`)));
      });
      harness.kill("SIGKILL");
      await new Promise((r) => harness.once("exit", r));
      expect((await runLeftovers(docker, deadRunId)).containers).toHaveLength(2);

      const removed = await cleanupDocker({ docker });
      expect(removed.containers).toEqual(expect.arrayContaining([`faultline-${deadRunId}-n1`, `faultline-${deadRunId}-n2`]));
      expect(removed.networks).toContain(`faultline-${deadRunId}`);
      expect(removed.skippedLiveRuns).toContain(liveRunId);
      expect(await runLeftovers(docker, deadRunId)).toEqual({ containers: [], networks: [] });
      expect((await runLeftovers(docker, liveRunId)).containers).toHaveLength(1);

      const forced = await cleanupDocker({ docker, runId: liveRunId, includeLive: true });
      expect(forced.containers).toEqual([`faultline-${liveRunId}-n1`]);
      expect(await runLeftovers(docker, liveRunId)).toEqual({ containers: [], networks: [] });
    } finally {
      if (harness.exitCode === null && harness.signalCode === null) harness.kill("SIGKILL");
      await live.teardown();
      await cleanupDocker({ docker, runId: deadRunId, includeLive: true });
    }
  });
});
