import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDocker, INSTALL_SCRIPT } from "./engine.ts";

describe("ensureDocker without an engine", () => {
  const saved = process.env.DOCKER_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it("says in one line where it looked and what to do, and installs nothing when not allowed", async () => {
    const socket = join(mkdtempSync(join(tmpdir(), "faultline-engine-")), "docker.sock");
    process.env.DOCKER_HOST = `unix://${socket}`;
    const error = await ensureDocker({ install: false }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).not.toContain("\n");
    expect(error!.message).toContain(`Docker engine not reachable at unix://${socket}`);
    expect(error!.message).toMatch(/install-docker\.sh/);
  });

  it("points at an install script that exists", () => {
    expect(existsSync(INSTALL_SCRIPT)).toBe(true);
  });
});
