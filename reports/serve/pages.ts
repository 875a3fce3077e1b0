// The pages of `faultline serve`: runs (filter by system, verdict, date; pick some to compare),
// suites (their comparison pages and JUnit), and — with a results database — a trend page per
// system × claim across nights. Plain HTML with a few lines of CSS; every value is escaped.

import { BASE_CSS, escapeHtml, verdictBadge } from "../html.ts";
import type { RunEntry, SuiteEntry } from "./store-index.ts";
import type { TrendKey, TrendPoint } from "./trend.ts";

export interface RunFilter {
  system?: string;
  verdict?: string;
  /** YYYY-MM-DD, inclusive, UTC. */
  from?: string;
  to?: string;
}

const CSS = `
nav{background:#24292f;padding:8px 24px}nav a{color:#fff;margin-right:18px;text-decoration:none;font-weight:600}nav a.on{text-decoration:underline}
form.filter label{margin-right:12px}table.list td,table.list th{font-size:13px}.running{color:#57606a;font-style:italic}
.refuted-claims{color:#cf222e;font-size:12px}svg.trend text{font:11px system-ui,sans-serif}
`;

/** `/store/<path>` with every segment percent-encoded. */
export function storeUrl(path: string): string {
  return `/store/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export function layout(title: string, active: "runs" | "suites" | "trends" | "", body: string): string {
  const link = (href: string, name: typeof active, text: string) => `<a href="${href}"${active === name ? ' class="on"' : ""}>${text}</a>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} — Faultline</title><style>${BASE_CSS}${CSS}</style></head><body><nav>${link("/", "runs", "Runs")}${link("/suites", "suites", "Suites")}${link("/trends", "trends", "Trends")}</nav><main>${body}</main></body></html>\n`;
}

function verdictOf(valid: string): string {
  if (valid === "running") return `<span class="running">no results yet</span>`;
  return verdictBadge(valid === "true" ? true : valid === "false" ? false : "unknown");
}

function matchesFilter(run: RunEntry, filter: RunFilter): boolean {
  if (filter.system && run.system !== filter.system) return false;
  if (filter.verdict && run.valid !== filter.verdict) return false;
  const day = run.startedAt.slice(0, 10);
  if (filter.from && day < filter.from) return false;
  if (filter.to && day > filter.to) return false;
  return true;
}

export function runsPage(store: string, all: readonly RunEntry[], filter: RunFilter): string {
  const runs = all.filter((run) => matchesFilter(run, filter));
  const systems = [...new Set(all.map((run) => run.system))].sort();
  const option = (value: string, text: string, selected: string | undefined) => `<option value="${escapeHtml(value)}"${selected === value ? " selected" : ""}>${escapeHtml(text)}</option>`;
  const form = `<form class="filter" method="get" action="/">
<label>System <select name="system">${option("", "any", filter.system ?? "")}${systems.map((s) => option(s, s, filter.system)).join("")}</select></label>
<label>Verdict <select name="verdict">${option("", "any", filter.verdict ?? "")}${option("true", "valid", filter.verdict)}${option("false", "invalid", filter.verdict)}${option("unknown", "unknown", filter.verdict)}${option("running", "no results yet", filter.verdict)}</select></label>
<label>From <input type="date" name="from" value="${escapeHtml(filter.from ?? "")}"></label>
<label>To <input type="date" name="to" value="${escapeHtml(filter.to ?? "")}"></label>
<button type="submit">Filter</button> <a href="/">clear</a></form>`;
  const rows = runs.map(
    (run) =>
      `<tr><td><input type="checkbox" name="run" value="${escapeHtml(run.path)}" aria-label="compare ${escapeHtml(run.path)}"></td><td>${escapeHtml(run.startedAt.replace("T", " ").slice(0, 19))}</td><td>${escapeHtml(run.system)}${run.bugs.length ? ` <span class="refuted-claims">bugs: ${escapeHtml(run.bugs.join(", "))}</span>` : ""}</td><td>${escapeHtml(run.workload)}</td><td>${escapeHtml(run.nemesis)}</td><td>${run.seed}</td><td>${verdictOf(run.valid)}${run.refuted.length ? `<div class="refuted-claims">refuted: ${escapeHtml(run.refuted.join("; "))}</div>` : ""}</td><td>${run.hasReport ? `<a class="report" href="${storeUrl(`${run.path}/report.html`)}">report</a>` : "–"} · <a href="${storeUrl(`${run.path}/results.json`)}">results.json</a></td></tr>`,
  );
  const table = runs.length
    ? `<form method="get" action="/compare"><p><button type="submit">Compare selected</button></p><table class="list"><thead><tr><th></th><th>started (UTC)</th><th>system</th><th>workload</th><th>nemesis</th><th>seed</th><th>verdict</th><th>files</th></tr></thead><tbody>${rows.join("\n")}</tbody></table></form>`
    : `<p>No runs${all.length ? " match this filter" : ` in ${escapeHtml(store)} yet; start one with <code>faultline run --store ${escapeHtml(store)}</code>`}.</p>`;
  return layout("Runs", "runs", `<h1>Runs</h1><p class="meta">${runs.length} of ${all.length} runs in ${escapeHtml(store)}</p>${form}${table}`);
}

export function suitesPage(store: string, suites: readonly SuiteEntry[]): string {
  const rows = suites.map((suite) => {
    const counts = Object.entries(suite.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    return `<tr><td>${escapeHtml(suite.suite)}</td><td>${escapeHtml(suite.startedAt.replace("T", " ").slice(0, 19))}</td><td>${escapeHtml(suite.shard)}</td><td>${escapeHtml(suite.status)}</td><td>${verdictOf(suite.verdict)}</td><td>${escapeHtml(counts || "none")}</td><td>${suite.hasCompare ? `<a class="compare" href="${storeUrl(`${suite.path}/compare.html`)}">comparison</a> · ` : ""}<a href="${storeUrl(`${suite.path}/junit.xml`)}">junit.xml</a> · <a href="${storeUrl(`${suite.path}/suite.json`)}">suite.json</a></td></tr>`;
  });
  const body = suites.length
    ? `<table class="list"><thead><tr><th>suite</th><th>started (UTC)</th><th>shard</th><th>status</th><th>verdict</th><th>runs</th><th>pages</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`
    : `<p>No suites in ${escapeHtml(store)} yet; run one with <code>faultline suite suites/smoke.yaml --store ${escapeHtml(store)}</code>.</p>`;
  return layout("Suites", "suites", `<h1>Suites</h1>${body}`);
}

export function trendsPage(keys: readonly TrendKey[] | undefined, database: string | undefined): string {
  if (!keys) return layout("Trends", "trends", `<h1>Trends</h1><p>Trends across nights need the results database: start <code>faultline serve --db postgres://…</code>, and record runs with <code>faultline run --db …</code> or <code>faultline suite --db …</code>.</p>`);
  const rows = keys.map(
    (key) => `<tr><td>${escapeHtml(key.system)}</td><td><a class="trend" href="/trends/view?system=${encodeURIComponent(key.system)}&amp;claim=${encodeURIComponent(key.claim)}">${escapeHtml(key.claim)}</a></td><td>${key.runs}</td><td>${escapeHtml(key.last.slice(0, 10))}</td></tr>`,
  );
  return layout("Trends", "trends", `<h1>Trends</h1><p class="meta">system × claim in ${escapeHtml(database ?? "")}</p>${keys.length ? `<table class="list"><thead><tr><th>system</th><th>claim</th><th>runs</th><th>last</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>` : "<p>The database holds no runs yet.</p>"}`);
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** Verdicts as coloured dots per run, and the availability of each side as lines, over time. */
function trendSvg(points: readonly TrendPoint[]): string {
  if (points.length === 0) return "";
  const W = 720;
  const H = 200;
  const left = 50;
  const right = W - 20;
  const top = 30;
  const bottom = H - 30;
  const x = (i: number) => (points.length === 1 ? (left + right) / 2 : left + (i / (points.length - 1)) * (right - left));
  const y = (share: number) => bottom - share * (bottom - top);
  const line = (get: (p: TrendPoint) => number | null, cls: string) => {
    const coords = points.flatMap((p, i) => (get(p) === null ? [] : [`${x(i).toFixed(1)},${y(get(p) as number).toFixed(1)}`]));
    return coords.length > 1 ? `<polyline points="${coords.join(" ")}" fill="none" class="${cls}"/>` : "";
  };
  const dots = points
    .map((p, i) => {
      const color = p.verdict === "held" ? "#1a7f37" : p.verdict === "refuted" ? (p.claimed ? "#cf222e" : "#bf8700") : "#8c959f";
      return `<circle cx="${x(i).toFixed(1)}" cy="${top - 14}" r="5" fill="${color}"><title>${escapeHtml(`${p.startedAt.slice(0, 10)}: ${p.verdict}${p.claimed ? "" : " (not claimed)"} — ${p.evidence}`)}</title></circle>`;
    })
    .join("");
  return `<svg class="trend" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="trend">
<style>.maj{stroke:#0969da;stroke-width:2}.min{stroke:#bf3989;stroke-width:2;stroke-dasharray:4 3}.all{stroke:#57606a;stroke-width:1}</style>
<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#d0d7de"/><line x1="${left}" y1="${y(1)}" x2="${right}" y2="${y(1)}" stroke="#eaeef2"/>
<text x="${left - 6}" y="${y(1) + 4}" text-anchor="end">100%</text><text x="${left - 6}" y="${bottom + 4}" text-anchor="end">0%</text>
${line((p) => p.availability, "all")}${line((p) => p.majorityAvailability, "maj")}${line((p) => p.minorityAvailability, "min")}${dots}
<text x="${left}" y="${H - 8}">verdict per run (dots); availability: overall (grey), majority side (blue), minority side (pink, dashed)</text>
</svg>`;
}

export function trendPage(system: string, claim: string, points: readonly TrendPoint[], runExists: (runPath: string) => boolean): string {
  const rows = points.map(
    (p) =>
      `<tr><td>${escapeHtml(p.startedAt.replace("T", " ").slice(0, 19))}</td><td>${escapeHtml(p.suite ?? "–")}</td><td>${escapeHtml(`${p.workload} · ${p.nemesis} · seed ${p.seed}`)}${p.bugs.length ? ` <span class="refuted-claims">bugs: ${escapeHtml(p.bugs.join(", "))}</span>` : ""}</td><td class="${p.verdict === "held" ? "held" : p.verdict === "refuted" ? "refuted" : "unknown"}">${escapeHtml(p.verdict)}${p.claimed ? "" : " (not claimed)"}</td><td>${p.lostWrites === null ? "–" : `${p.lostWrites}${p.acknowledgedWrites === null ? "" : ` / ${p.acknowledgedWrites}`}`}</td><td>${pct(p.availability)}</td><td>${pct(p.majorityAvailability)}</td><td>${pct(p.minorityAvailability)}</td><td>${p.failoverS === null ? "–" : `${p.failoverS.toFixed(2)} s`}</td><td>${runExists(p.runPath) ? `<a href="${storeUrl(`${p.runPath}/report.html`)}">report</a>` : `<span class="meta" title="not in this store">${escapeHtml(p.runPath)}</span>`}</td></tr>`,
  );
  return layout(
    `${system}: ${claim}`,
    "trends",
    `<h1>${escapeHtml(system)}: ${escapeHtml(claim)}</h1><p class="meta">${points.length} runs, oldest first</p><div class="svgbox">${trendSvg(points)}</div>
<table class="list"><thead><tr><th>started (UTC)</th><th>suite</th><th>run</th><th>verdict</th><th>acknowledged writes lost</th><th>availability</th><th>majority side</th><th>minority side</th><th>failover</th><th>report</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`,
  );
}

export function messagePage(status: number, title: string, message: string): string {
  return layout(title, "", `<h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">all runs</a></p>`);
}
