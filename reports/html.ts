// Tiny helpers for building self-contained HTML by hand (no template engine, nothing to load).

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[], opts: { className?: string } = {}): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell instanceof Raw ? cell.html : escapeHtml(cell)}</td>`).join("")}</tr>`).join("\n");
  return `<table${opts.className ? ` class="${opts.className}"` : ""}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Marks a cell as already-safe HTML. */
export class Raw {
  constructor(readonly html: string) {}
}

export const raw = (html: string) => new Raw(html);

export function verdictBadge(valid: unknown): string {
  const [word, cls] = valid === true ? ["VALID", "ok"] : valid === false ? ["INVALID", "bad"] : ["UNKNOWN", "unknown"];
  return `<span class="badge ${cls}">${word}</span>`;
}

export function percent(fraction: number | undefined): string {
  return fraction === undefined || Number.isNaN(fraction) ? "–" : `${(fraction * 100).toFixed(1)}%`;
}

export const BASE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
.meta{color:#57606a}.badge{display:inline-block;padding:3px 10px;border-radius:4px;font-weight:700;color:#fff;letter-spacing:.04em}
.badge.ok{background:#1a7f37;color:#fff}.badge.bad{background:#cf222e;color:#fff}.badge.unknown{background:#9a6700;color:#fff}
table{border-collapse:collapse;margin:6px 0;background:#fff}th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}td.num,th.num{text-align:right}code,pre{font:12px ui-monospace,Menlo,Consolas,monospace}
pre{background:#fff;border:1px solid #d8dde3;padding:8px;overflow:auto;max-height:420px}
.svgbox svg{max-width:100%;height:auto}details{margin:6px 0}summary{cursor:pointer;font-weight:600}.svgbox{background:#fff;border:1px solid #d8dde3}
.held{color:#1a7f37;font-weight:700}.refuted{color:#cf222e;font-weight:700}.unknown{color:#9a6700;font-weight:700}
`;
