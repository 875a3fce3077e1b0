// `faultline serve`: a small web app over the store (node:http, no framework).
//
//   /                      runs, filtered by ?system= &verdict= &from= &to= (dates, UTC)
//   /compare?run=P&run=Q   a comparison of the chosen runs (P = "<test>/<timestamp>")
//   /suites                suite folders, with their comparison pages and JUnit XML
//   /trends                with a results database: system × claim; /trends/view?system=&claim=
//   /store/<path>          the store's own files (reports, results, logs), read-only
//
// The store is read, never written. Files are served only from inside the store (a path with ".."
// or one whose real location — links followed — lies outside it is refused), only to GET and HEAD.

import { createReadStream, existsSync, realpathSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { loadComparedRun } from "../compare-load.ts";
import { renderComparison } from "../compare.ts";
import { RUN_FILES } from "../../harness/store/store.ts";
import { messagePage, runsPage, storeUrl, suitesPage, trendPage, trendsPage, type RunFilter } from "./pages.ts";
import { StoreIndex } from "./store-index.ts";
import type { TrendSource } from "./trend.ts";

export interface ServeOptions {
  store: string;
  trends?: TrendSource;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".edn": "text/plain; charset=utf-8",
};

/** Our own pages run only their own inline code and load nothing from elsewhere. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function createServeHandler(options: ServeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const store = resolve(options.store);
  const index = new StoreIndex(store);

  const send = (res: ServerResponse, status: number, html: string, head: boolean) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP, "x-content-type-options": "nosniff", "cache-control": "no-store" });
    res.end(head ? undefined : html);
  };

  /** The real path of store-relative `segments`, or undefined when it is not a file inside the store. */
  const storeFile = (segments: string[]): string | undefined => {
    if (segments.some((s) => s === ".." || s === "." || s === "" || s.includes("\0") || s.includes("/") || s.includes("\\"))) return undefined;
    const candidate = join(store, ...segments);
    if (!existsSync(candidate)) return undefined;
    const real = realpathSync(candidate);
    const root = realpathSync(store);
    if (real !== root && !real.startsWith(root + sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("faultline serve is read-only: GET and HEAD only\n");
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path === "/" || path === "/runs") {
      const filter: RunFilter = {};
      const system = url.searchParams.get("system");
      const verdict = url.searchParams.get("verdict");
      const from = url.searchParams.get("from");
      const to = url.searchParams.get("to");
      if (system) filter.system = system;
      if (verdict) filter.verdict = verdict;
      if (from && DATE.test(from)) filter.from = from;
      if (to && DATE.test(to)) filter.to = to;
      return send(res, 200, runsPage(store, index.runs(), filter), head);
    }
    if (path === "/suites") return send(res, 200, suitesPage(store, index.suites()), head);
    if (path === "/compare") {
      const chosen = url.searchParams.getAll("run");
      if (chosen.length === 0) return send(res, 400, messagePage(400, "Nothing to compare", "Pick runs on the runs page (the checkboxes), then Compare selected."), head);
      const runs = [];
      for (const runPath of chosen) {
        const segments = runPath.split("/");
        const specFile = segments.length === 2 ? storeFile([...segments, RUN_FILES.spec]) : undefined;
        if (!specFile) return send(res, 404, messagePage(404, "No such run", `${runPath} is not a run in this store`), head);
        try {
          runs.push({ ...loadComparedRun(join(store, ...segments), store), reportUrl: storeUrl(`${runPath}/${RUN_FILES.report}`) });
        } catch (err) {
          return send(res, 409, messagePage(409, "Cannot compare", (err as Error).message), head);
        }
      }
      return send(res, 200, renderComparison({ title: "Runs compared", runs, source: `${runs.length} runs chosen in faultline serve`, generatedAt: new Date() }), head);
    }
    if (path === "/trends") {
      const keys = options.trends ? await options.trends.keys() : undefined;
      return send(res, 200, trendsPage(keys, options.trends?.describe()), head);
    }
    if (path === "/trends/view") {
      if (!options.trends) return send(res, 404, messagePage(404, "No results database", "start faultline serve with --db postgres://… for trends"), head);
      const system = url.searchParams.get("system") ?? "";
      const claim = url.searchParams.get("claim") ?? "";
      const points = await options.trends.trend(system, claim);
      return send(res, points.length ? 200 : 404, trendPage(system, claim, points, (runPath) => storeFile([...runPath.split("/"), RUN_FILES.spec]) !== undefined), head);
    }
    if (path.startsWith("/store/")) {
      let segments: string[];
      try {
        segments = path.slice("/store/".length).split("/").map(decodeURIComponent);
      } catch {
        return send(res, 400, messagePage(400, "Bad path", "the path is not valid percent-encoding"), head);
      }
      const file = storeFile(segments);
      if (!file) return send(res, 404, messagePage(404, "Not found", `no file ${segments.join("/")} in the store`), head);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "x-content-type-options": "nosniff", "content-length": statSync(file).size });
      if (head) return void res.end();
      createReadStream(file).pipe(res);
      return;
    }
    if (path === "/favicon.ico") {
      res.writeHead(204);
      res.end();
      return;
    }
    return send(res, 404, messagePage(404, "Not found", `no page ${path}`), head);
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.end();
      send(res, 500, messagePage(500, "Error", (err as Error).message ?? String(err)), false);
    });
  };
}

export async function startServer(options: ServeOptions & { host: string; port: number }): Promise<{ server: Server; url: string }> {
  const server = createServer(createServeHandler(options));
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}/` };
}
