import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { followProgress, messageLines } from "./json-progress.ts";

describe("followProgress", () => {
  it("turns build output into lines, even when JSON is split across chunks", async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const done = followProgress(stream, (line) => lines.push(line));
    stream.write('{"stream":"Step 1/2 : FROM faultline/base:bookworm\\n"}\n{"str');
    stream.write('eam":" ---> abc\\n"}\n{"aux":{"ID":"sha256:1"}}\n');
    stream.end('{"stream":"Successfully built 1\\n"}');
    const messages = await done;
    expect(lines).toEqual(["Step 1/2 : FROM faultline/base:bookworm", " ---> abc", "Successfully built 1"]);
    expect(messages.map((m) => m.aux?.ID).filter(Boolean)).toEqual(["sha256:1"]);
  });

  it("rejects with the engine's error reported inside the stream", async () => {
    const stream = new PassThrough();
    const done = followProgress(stream, () => {});
    stream.end('{"stream":"Step 2/2 : RUN false\\n"}\n{"errorDetail":{"code":1,"message":"The command returned a non-zero code: 1"},"error":"The command returned a non-zero code: 1"}\n');
    await expect(done).rejects.toThrow("The command returned a non-zero code: 1");
  });

  it("shows status messages with their id and progress", () => {
    expect(messageLines({ status: "Downloading", id: "layer1", progress: "[==>  ]" })).toEqual(["layer1 Downloading [==>  ]"]);
    expect(messageLines({ aux: { ID: "x" } })).toEqual([]);
  });
});
