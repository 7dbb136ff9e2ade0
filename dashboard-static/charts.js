// Charts and market titles shared by the pages. Charts are Chart.js (Debian's libjs-chart.js, served by the daemon at
// /vendor/chart.min.js): every chart has titled axes with units, tooltips and a legend. Titles come from
// /api/v1/markets (the markets table, filled from Gamma on first sight); the condition id stays on hover and copy.
"use strict";

const charts = {};
const palette = ["#58a6ff", "#3fb950", "#d29922", "#f85149", "#bc8cff", "#39c5cf", "#ff7b72", "#8593a3"];
const ink = "#d8dee6", faint = "#8593a3", grid = "#26303b";

/** A titled axis. */
function axis(title, extra) {
  return Object.assign({ title: { display: true, text: title, color: faint }, ticks: { color: faint }, grid: { color: grid } }, extra || {});
}

/** Unix seconds → YYYY-MM-DD (UTC); with time when `withTime`. */
function dayLabel(t, withTime) {
  const s = new Date(Number(t) * 1000).toISOString();
  return withTime ? s.slice(0, 16).replace("T", " ") : s.slice(0, 10);
}

/** A time axis on Unix seconds (no date adapter is packaged: ticks are formatted here, with the time of day when
 *  the axis spans less than two days or `withTime` asks for it). */
function timeAxis(title, withTime) {
  return axis(title, { type: "linear", ticks: { color: faint, maxTicksLimit: 6,
    callback: function (v) { return dayLabel(v, withTime || this.max - this.min < 2 * 86400); } } });
}

/** Draws (or redraws) a chart on canvas `id`; records its number of data points (reference lines, marked
 *  `reference: true`, do not count) on the canvas as `data-points`, and says why when there are none. */
function drawChart(id, config) {
  const canvas = $(id);
  if (!canvas) return null;
  if (charts[id]) { charts[id].destroy(); delete charts[id]; }
  const points = config.data.datasets.filter((d) => !d.reference).reduce((n, d) => n + d.data.filter((v) => v != null && (v.y === undefined || v.y != null)).length, 0);
  canvas.dataset.points = String(points);
  // An empty chart says why instead of showing bare axes.
  let note = canvas.parentElement.querySelector(".empty");
  if (!note) { note = document.createElement("p"); note.className = "empty sub"; canvas.parentElement.appendChild(note); }
  note.textContent = points === 0 ? (config.empty || "no data yet") : "";
  note.classList.toggle("hidden", points > 0);
  if (typeof Chart === "undefined") {
    canvas.dataset.error = "chart library not loaded";
    return null;
  }
  const options = config.options || {};
  options.responsive = true;
  options.maintainAspectRatio = false;
  options.animation = false;
  options.plugins = Object.assign({ legend: { display: true, labels: { color: ink } }, tooltip: { enabled: true } }, options.plugins || {});
  config.options = options;
  charts[id] = new Chart(canvas, config);
  return charts[id];
}

/** A line dataset. */
function line(label, data, color, extra) {
  return Object.assign({ label, data, borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2, tension: 0 }, extra || {});
}

/** A load's ticket: true while no later load of the same name has started (an older, slower answer must not
 *  overwrite a newer one). */
const loadSeq = {};
function newest(name) {
  const n = (loadSeq[name] || 0) + 1;
  loadSeq[name] = n;
  return () => loadSeq[name] === n;
}

// ------------------------------------------------------------------ market titles
const titles = new Map();   // condition id → market (or { missing: time } to ask again later)

/** Loads the titles of the markets not known yet (a miss is asked again after 30 s: the catalog may fetch it). */
async function ensureTitles(ids) {
  const now = Date.now();
  const want = [...new Set(ids.filter((id) => id && (!titles.has(id) || (titles.get(id).missing && now - titles.get(id).missing > 30000))))];
  for (let i = 0; i < want.length; i += 200) {
    const chunk = want.slice(i, i + 200);
    const page = await api("GET", "/markets?ids=" + chunk.join(","));
    for (const id of chunk) titles.set(id, { missing: now });
    for (const m of page.items) titles.set(m.conditionId, m);
  }
}

/** The title of a market if known. */
function titleOf(cid) {
  const m = titles.get(cid);
  return m && m.question ? m.question : null;
}

/** A market cell: its title (or the trade's own title), the condition id on hover and click-to-copy. */
function marketCell(cid, fallback) {
  const t = titleOf(cid) || fallback;
  if (t) return `<span class="market" tabindex="0" title="${esc(cid)} (click to copy)" data-cid="${esc(cid)}">${esc(t)}</span>`;
  return `<span class="market mono" tabindex="0" title="${esc(cid)}: title not known yet (click to copy)" data-cid="${esc(cid)}">${esc(short(cid))}</span>`;
}

/** The outcome a token stands for, from the market's outcomes. */
function outcomeOf(cid, asset, fallback) {
  const m = titles.get(cid);
  if (m && m.tokenIds) { const i = m.tokenIds.indexOf(asset); if (i >= 0 && m.outcomes[i]) return m.outcomes[i]; }
  return fallback || "";
}

function copyCid(ev) {
  const el = ev.target.closest("[data-cid]");
  if (!el || (ev.type === "keydown" && ev.key !== "Enter")) return;
  if (navigator.clipboard) navigator.clipboard.writeText(el.dataset.cid).catch(() => {});
  el.classList.add("copied");
  setTimeout(() => el.classList.remove("copied"), 800);
}
document.addEventListener("click", copyCid);
document.addEventListener("keydown", copyCid);

/** A wallet link to its profile. */
function walletLink(address, label) {
  return `<a class="mono" href="#whale/${esc(address)}" title="${esc(address)}">${esc(label || short(address))}</a>`;
}
