// Debian's Chromium driven by playwright-core, for tests and benches that open generated pages.
// Never downloads a browser: it launches /usr/bin/chromium (or chromium-browser) headless, with a
// fresh profile folder that is removed again on close, and with background networking, component
// updates and sync off so the browser itself talks to nobody.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/** The installed Chromium, or undefined where there is none. */
export const CHROMIUM_PATH: string | undefined = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface LaunchedChromium {
  context: BrowserContext;
  browser: Browser | null;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh --user-data-dir (a persistent context: Chromium is given the
 *  folder itself), closed and its folder removed by close(). */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedChromium> {
  if (!CHROMIUM_PATH) throw new Error("Chromium is not installed (apt-get install chromium)");
  const profile = mkdtempSync(join(tmpdir(), "faultline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    // Pages are files on disk; nothing may reach the network.
    offline: true,
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
