// Which Debian mirror the images use: the one the host's apt already uses. Machines here reach only
// the mirror their apt is configured for, so the images must not name any other host.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SUITE = "bookworm";

/** One apt source: a repository URI and the suites and components taken from it. */
export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
  signedBy?: string;
}

/** The suites of our release the images take packages from (point releases, then security fixes). */
const IMAGE_SUITES = new Set([SUITE, `${SUITE}-updates`, `${SUITE}-security`]);

/** Parses one-line sources (`deb [opts] uri suite comp…`); deb-src and comments are skipped. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*/, "").trim();
    if (!line.startsWith("deb ")) continue;
    let rest = line.slice(4).trim();
    let signedBy: string | undefined;
    const options = /^\[([^\]]*)\]\s*/.exec(rest);
    if (options) {
      rest = rest.slice(options[0].length);
      const signed = /signed-by=(\S+)/.exec(options[1]);
      if (signed) signedBy = signed[1];
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (uri && suite) sources.push({ uri, suites: [suite], components, signedBy });
  }
  return sources;
}

/** Parses deb822 `.sources` stanzas; stanzas without `deb` in Types, or with Enabled: no, are skipped. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const rawLine of stanza.split("\n")) {
      if (rawLine.startsWith("#")) continue;
      if (/^\s/.test(rawLine) && current) {
        fields.set(current, `${fields.get(current)} ${rawLine.trim()}`);
        continue;
      }
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(rawLine);
      if (!match) continue;
      current = match[1].toLowerCase();
      fields.set(current, match[2].trim());
    }
    const words = (key: string): string[] => (fields.get(key) ?? "").split(/\s+/).filter((w) => w !== "");
    if (!words("types").includes("deb")) continue;
    if ((fields.get("enabled") ?? "yes").toLowerCase() === "no") continue;
    const signedBy = fields.get("signed-by");
    for (const uri of words("uris")) {
      sources.push({ uri, suites: words("suites"), components: words("components"), signedBy: signedBy || undefined });
    }
  }
  return sources;
}

/** Reads every source apt itself would read (files apt ignores, like `*.disabled`, are ignored too). */
export function readHostAptSources(etcApt = "/etc/apt"): AptSource[] {
  const sources: AptSource[] = [];
  const tryRead = (path: string): string | undefined => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  };
  const main = tryRead(join(etcApt, "sources.list"));
  if (main !== undefined) sources.push(...parseOneLineSources(main));
  let entries: string[] = [];
  try {
    entries = readdirSync(join(etcApt, "sources.list.d")).sort();
  } catch {
    entries = [];
  }
  for (const entry of entries) {
    const text = tryRead(join(etcApt, "sources.list.d", entry));
    if (text === undefined) continue;
    if (entry.endsWith(".list")) sources.push(...parseOneLineSources(text));
    else if (entry.endsWith(".sources")) sources.push(...parseDeb822Sources(text));
  }
  return sources;
}

/** The sources an image uses: the host's entries for our suites, restricted to those suites. */
export function imageSources(hostSources: readonly AptSource[]): AptSource[] {
  const chosen: AptSource[] = [];
  for (const source of hostSources) {
    const suites = source.suites.filter((suite) => IMAGE_SUITES.has(suite));
    if (suites.length > 0) chosen.push({ ...source, suites });
  }
  return chosen;
}

/** The URI debootstrap fetches the release from: the first source serving the plain suite. */
export function debootstrapMirror(sources: readonly AptSource[]): string | undefined {
  return sources.find((source) => source.suites.includes(SUITE))?.uri;
}

/** Renders sources as one deb822 file for the image. Keyring paths are Debian's own, present in
 *  the bootstrapped system; other keyrings the host names would not be, so they are dropped. */
export function renderDeb822(sources: readonly AptSource[]): string {
  return sources
    .map((source) => {
      const lines = [
        "Types: deb",
        `URIs: ${source.uri}`,
        `Suites: ${source.suites.join(" ")}`,
        `Components: ${(source.components.length > 0 ? source.components : ["main"]).join(" ")}`,
      ];
      if (source.signedBy?.startsWith("/usr/share/keyrings/debian-archive-")) lines.push(`Signed-By: ${source.signedBy}`);
      return lines.join("\n") + "\n";
    })
    .join("\n");
}

export interface ImageMirror {
  /** Where debootstrap fetches the release from. */
  mirror: string;
  /** The image's /etc/apt/sources.list.d/debian.sources. */
  sourcesFile: string;
}

/** The mirror from FAULTLINE_DEBIAN_MIRROR if set, else from the host's apt configuration. */
export function resolveImageMirror(env: NodeJS.ProcessEnv = process.env, etcApt = "/etc/apt"): ImageMirror {
  const override = env.FAULTLINE_DEBIAN_MIRROR;
  if (override) {
    const sources: AptSource[] = [{ uri: override, suites: [SUITE, `${SUITE}-updates`], components: ["main"] }];
    return { mirror: override, sourcesFile: renderDeb822(sources) };
  }
  const sources = imageSources(readHostAptSources(etcApt));
  const mirror = debootstrapMirror(sources);
  if (mirror === undefined) {
    throw new Error(
      `no Debian ${SUITE} source in ${etcApt}/sources.list or ${etcApt}/sources.list.d; set FAULTLINE_DEBIAN_MIRROR to a Debian mirror URL this machine can reach`,
    );
  }
  return { mirror, sourcesFile: renderDeb822(sources) };
}
