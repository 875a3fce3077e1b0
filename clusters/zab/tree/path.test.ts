import { describe, expect, test } from "vitest";
import { childPath, isValidPath, nameOf, parentOf, pathProblem, sequenceSuffix } from "./path.ts";

describe("znode paths", () => {
  test("valid paths", () => {
    for (const path of ["/", "/a", "/a/b", "/zookeeper/quota", "/a.b", "/..a", "/é", "/a b"]) expect(pathProblem(path), path).toBeUndefined();
  });

  test("invalid paths, as ZooKeeper's PathUtils refuses them", () => {
    expect(pathProblem("")).toBe("path is empty");
    expect(pathProblem("a")).toBe("path must start with /");
    expect(pathProblem("/a/")).toBe("path must not end with /");
    expect(pathProblem("/a//b")).toBe("empty segment");
    expect(pathProblem("/a/./b")).toBe("relative segment .");
    expect(pathProblem("/..")).toBe("relative segment ..");
    expect(pathProblem("/a\u0000")).toBe("NUL character");
    expect(pathProblem("/a\u0007")).toMatch(/control character/);
    expect(pathProblem("/a\u0085")).toMatch(/control character/);
    expect(pathProblem("/\ufff5")).toMatch(/reserved character/);
    // Outside the BMP: a surrogate pair in Java's UTF-16, refused.
    expect(isValidPath("/😀")).toBe(false);
  });

  test("parents, names, children", () => {
    expect(parentOf("/a")).toBe("/");
    expect(parentOf("/a/b/c")).toBe("/a/b");
    expect(parentOf("/a/")).toBe("/a");
    expect(nameOf("/a/b")).toBe("b");
    expect(childPath("/", "a")).toBe("/a");
    expect(childPath("/a", "b")).toBe("/a/b");
  });

  test("sequence suffixes are ten digits, like %010d", () => {
    expect(sequenceSuffix(0)).toBe("0000000000");
    expect(sequenceSuffix(42)).toBe("0000000042");
    expect(sequenceSuffix(2147483647)).toBe("2147483647");
    expect(sequenceSuffix(-5)).toBe("-000000005");
  });
});
