import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { debootstrapMirror, imageSources, parseDeb822Sources, parseOneLineSources, renderDeb822, resolveImageMirror } from "./mirror.ts";

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
`;

describe("apt sources", () => {
  it("parses deb822 stanzas, skipping deb-src, comments and disabled stanzas", () => {
    const sources = parseDeb822Sources(DEB822 + "\nTypes: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n");
    expect(sources).toEqual([
      { uri: "http://deb.debian.org/debian", suites: ["bookworm", "bookworm-updates"], components: ["main"], signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg" },
      { uri: "http://deb.debian.org/debian-security", suites: ["bookworm-security"], components: ["main"], signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg" },
    ]);
  });

  it("parses one-line sources with options", () => {
    const sources = parseOneLineSources(
      "# comment\ndeb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://mirror.local/debian bookworm main contrib\ndeb-src http://mirror.local/debian bookworm main\n",
    );
    expect(sources).toEqual([{ uri: "http://mirror.local/debian", suites: ["bookworm"], components: ["main", "contrib"], signedBy: "/usr/share/keyrings/x.gpg" }]);
  });

  it("keeps only our release's suites and takes the mirror from the plain suite", () => {
    const host = [
      { uri: "https://deb.nodesource.com/node_20.x", suites: ["nodistro"], components: ["main"] },
      { uri: "http://mirror.local/debian-security", suites: ["bookworm-security"], components: ["main"] },
      { uri: "http://mirror.local/debian", suites: ["bookworm", "bookworm-backports"], components: ["main"] },
    ];
    const chosen = imageSources(host);
    expect(chosen.map((s) => s.uri)).toEqual(["http://mirror.local/debian-security", "http://mirror.local/debian"]);
    expect(chosen[1].suites).toEqual(["bookworm"]);
    expect(debootstrapMirror(chosen)).toBe("http://mirror.local/debian");
    expect(debootstrapMirror([])).toBeUndefined();
  });

  it("renders deb822 and keeps only Debian's own keyrings", () => {
    const text = renderDeb822([
      { uri: "http://m/debian", suites: ["bookworm"], components: [], signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg" },
      { uri: "http://m/other", suites: ["bookworm"], components: ["main"], signedBy: "/etc/apt/keyrings/vendor.gpg" },
    ]);
    expect(text).toBe(
      "Types: deb\nURIs: http://m/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://m/other\nSuites: bookworm\nComponents: main\n",
    );
  });
});

describe("resolveImageMirror", () => {
  it("reads the host's /etc/apt, ignoring files apt ignores", () => {
    const etc = mkdtempSync(join(tmpdir(), "faultline-apt-"));
    mkdirSync(join(etc, "sources.list.d"));
    writeFileSync(join(etc, "sources.list.d", "debian.sources"), DEB822);
    writeFileSync(join(etc, "sources.list.d", "old.list.disabled-by-farm"), "deb http://elsewhere/debian bookworm main\n");
    const resolved = resolveImageMirror({}, etc);
    expect(resolved.mirror).toBe("http://deb.debian.org/debian");
    expect(resolved.sourcesFile).toContain("Suites: bookworm bookworm-updates\n");
    expect(resolved.sourcesFile).toContain("URIs: http://deb.debian.org/debian-security\n");
    expect(resolved.sourcesFile).not.toContain("elsewhere");
  });

  it("honours FAULTLINE_DEBIAN_MIRROR and fails clearly without any source", () => {
    const empty = mkdtempSync(join(tmpdir(), "faultline-apt-"));
    expect(resolveImageMirror({ FAULTLINE_DEBIAN_MIRROR: "http://mirror.local/debian" }, empty).mirror).toBe("http://mirror.local/debian");
    expect(() => resolveImageMirror({}, empty)).toThrow(/no Debian bookworm source .*FAULTLINE_DEBIAN_MIRROR/);
  });
});
