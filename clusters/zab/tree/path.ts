// Znode paths, as ZooKeeper's PathUtils.validatePath accepts them: absolute, "/"-separated, no
// empty, "." or ".." segment, no trailing "/" (except the root), no NUL or control characters, and
// none of the code points ZooKeeper reserves.

/** Why a path is invalid, or undefined when it is valid. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "path is empty";
  if (path[0] !== "/") return "path must start with /";
  if (path.length === 1) return undefined;
  if (path.endsWith("/")) return "path must not end with /";
  const segments = path.slice(1).split("/");
  for (const segment of segments) {
    if (segment.length === 0) return "empty segment";
    if (segment === "." || segment === "..") return `relative segment ${segment}`;
  }
  // UTF-16 code units, as Java sees the string: a character outside the BMP is a surrogate pair and
  // refused like ZooKeeper refuses it.
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    // ZooKeeper refuses NUL, the controls 0x01–0x1f and 0x7f–0x9f, the surrogates and private use
    // area 0xd800–0xf8ff, and 0xfff0–0xffff.
    if (code === 0) return "NUL character";
    if ((code > 0x00 && code <= 0x1f) || (code >= 0x7f && code <= 0x9f)) return `control character U+${code.toString(16).padStart(4, "0")}`;
    if ((code >= 0xd800 && code <= 0xf8ff) || (code >= 0xfff0 && code <= 0xffff)) return `reserved character U+${code.toString(16).padStart(4, "0")}`;
  }
  return undefined;
}

export function isValidPath(path: string): boolean {
  return pathProblem(path) === undefined;
}

/** The parent of a non-root path ("/a/b" → "/a", "/a" → "/"). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** The last segment of a non-root path. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** The suffix of a sequential node: the parent's cversion as ten digits, as ZooKeeper's
 *  String.format("%010d", cversion) writes it (a negative one, after overflow, keeps its sign). */
export function sequenceSuffix(parentCversion: number): string {
  return parentCversion < 0 ? `-${String(-parentCversion).padStart(9, "0")}` : String(parentCversion).padStart(10, "0");
}
