// Polybot dashboard: plain JS, no build step. Talks to /api/v1 with the operator's JWT (kept in sessionStorage)
// and listens to /api/v1/stream for live events; a lost socket reconnects and catches up from the last seq.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("polybot.token"), seq: 0, socket: null, socketUp: false, offset: 0,
                lastFrames: null, lastFramesAt: 0, stalled: false, refreshTimer: null };

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
const short = (a) => a ? a.slice(0, 6) + "…" + a.slice(-4) : "";
const usd = (v) => v == null ? "–" : Number(v).toLocaleString(undefined, { style: "currency", currency: "USD" });
const px = (v) => v == null ? "–" : Number(v).toFixed(3);
const pct = (v) => v == null ? "–" : (Number(v) * 100).toFixed(1) + "%";
const num = (v, d = 2) => v == null ? "–" : Number(v).toFixed(d);
const when = (t) => t ? new Date(t * 1000).toLocaleTimeString() : "–";
const signed = (v) => `<span class="${Number(v) >= 0 ? "up" : "down"}">${usd(v)}</span>`;

async function api(method, path, body) {
  const res = await fetch("/api/v1" + path, {
    method, headers: Object.assign({ "Authorization": "Bearer " + state.token }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) { logout(); throw new Error("session expired"); }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((data && data.error) || res.statusText);
  return data;
}

// ------------------------------------------------------------------ login
async function login(ev) {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    const res = await fetch("/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ password: $("password").value }) });
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || "login failed");
    state.token = data.token;
    sessionStorage.setItem("polybot.token", data.token);
    start();
  } catch (e) { $("login-error").textContent = e.message; }
}

function logout() {
  sessionStorage.removeItem("polybot.token");
  state.token = null;
  if (state.socket) state.socket.close();
  clearInterval(state.refreshTimer);
  $("app").classList.add("hidden");
  $("login").classList.remove("hidden");
}

// ------------------------------------------------------------------ banner
function updateBanner() {
  const problems = [];
  if (state.stalled) problems.push("Trade feed stalled: no frame for longer than the stall limit — backfill will run when it returns.");
  if (!state.socketUp) problems.push("Live updates disconnected — reconnecting…");
  const b = $("banner");
  b.textContent = problems.join("  ");
  b.classList.toggle("hidden", problems.length === 0);
  document.body.dataset.stalled = state.stalled ? "1" : "0";
}

// ------------------------------------------------------------------ overview
async function loadOverview() {
  const o = await api("GET", "/overview");
  $("mode").textContent = o.mode;
  const st = $("state");
  st.textContent = o.tradingState.replace("_", "-");
  st.className = "pill " + o.tradingState;
  $("equity").textContent = usd(o.equity);
  $("sod").textContent = usd(o.startOfDayEquity);
  $("pnl-today").innerHTML = signed(o.pnlToday);
  $("pnl-total").innerHTML = signed(o.pnlTotal);
  $("fees-paid").textContent = usd(o.feesPaid);
  $("exposure").textContent = usd(o.exposure);
  $("open-positions").textContent = o.openPositions;
  const f = o.feed;
  state.stalled = f.stalled;
  $("feed-status").textContent = f.stalled ? "STALLED" : f.connected ? "live" : f.connections > 0 ? "quiet" : "connecting";
  $("feed-lag").textContent = f.lagSeconds == null ? "–" : f.lagSeconds + " s";
  const now = Date.now();
  if (state.lastFrames != null && now > state.lastFramesAt) {
    $("feed-rate").textContent = ((f.frames - state.lastFrames) * 1000 / (now - state.lastFramesAt)).toFixed(1);
  }
  state.lastFrames = f.frames; state.lastFramesAt = now;
  const calls = f.restOk + f.restFailed;
  $("rest-ok").textContent = calls ? (100 * f.restOk / calls).toFixed(1) + "% of " + calls : "–";
  $("rate-limited").textContent = f.rateLimited;
  $("reconnects").textContent = f.reconnects + " (stalls " + f.stalls + ")";
  $("backfill").textContent = when(f.lastBackfillAt);
  // Each source's trades and, when another source saw whale trades it has not, how many it misses (the alarm).
  $("feed-sources").textContent = (f.sources || []).length === 0 ? "–" : f.sources.map((s) =>
    s.name + " " + s.trades + (s.missing > 0 ? " (MISSING " + s.missing + ")" : "")).join(" · ");
  if (f.dataApiStaleSeconds != null) $("feed-sources").textContent += " · Data API " + f.dataApiStaleSeconds + " s behind" + (f.dataApiStale ? " (STALE)" : "");
  $("feed-sources").style.color = f.divergence || f.dataApiStale ? "var(--down)" : "";
  $("chain").textContent = f.chain ? "block " + f.chain.block + ", " + f.chain.lagBlocks + " behind the head" : "–";
  updateBanner();
}

async function loadPnl() {
  const [days, exposure] = await Promise.all([api("GET", "/pnl/daily?days=90"), api("GET", "/exposure")]);
  const d = days.items.slice().sort((a, b) => a.day < b.day ? -1 : 1);
  drawChart("equity-chart", {
    type: "line",
    data: { labels: d.map((x) => x.day), datasets: [line("equity at the end of the day", d.map((x) => Number(x.endEquity)), palette[0])] },
    options: { scales: { x: axis("day (UTC)"), y: axis("USDC") } },
  });
  drawChart("pnl-chart", {
    type: "bar",
    data: { labels: d.map((x) => x.day), datasets: [
      { label: "PnL (end − start equity)", data: d.map((x) => Number(x.endEquity) - Number(x.startEquity)), backgroundColor: d.map((x) => Number(x.endEquity) >= Number(x.startEquity) ? palette[1] : palette[3]) },
      { label: "taker fees paid", data: d.map((x) => -Number(x.fees)), backgroundColor: palette[2] },
    ] },
    options: { scales: { x: axis("day (UTC)"), y: axis("USDC") } },
  });
  const e = exposure.items;
  drawChart("exposure-chart", {
    type: "bar",
    data: { labels: e.map((x) => x.eventSlug || "(no event)"), datasets: [
      { label: "open cost", data: e.map((x) => Number(x.cost)), backgroundColor: palette[0] },
      { label: "unrealised PnL", data: e.map((x) => Number(x.unrealizedPnl)), backgroundColor: palette[1] },
    ] },
    options: { indexAxis: "y", scales: { x: axis("USDC"), y: axis("event") } },
  });
}

async function loadPositions() {
  const current = newest("positions");
  const items = (await api("GET", "/positions?limit=50")).items;
  await ensureTitles(items.map((p) => p.conditionId));
  if (!current()) return;
  $("positions").innerHTML = items.map((p) => `<tr data-position="${p.id}">
    <td>${marketCell(p.conditionId)}</td><td>${esc(outcomeOf(p.conditionId, p.asset, p.outcome))}</td><td class="num">${num(p.size)}</td>
    <td class="num">${px(p.averagePrice)}</td><td class="num">${px(p.markPrice)}</td><td class="num">${signed(p.unrealizedPnl)}</td>
    <td class="num">${signed(p.realizedPnl)}</td><td>${esc(p.status)}</td></tr>`).join("");
}

function tradeRow(t, flash = true) {
  return `<tr class="${flash ? "flash" : ""}" data-trade="${t.id}"><td>${when(t.timestamp)}</td><td>${walletLink(t.wallet)}</td>
    <td class="${t.side === "BUY" ? "up" : "down"}">${esc(t.side)}</td><td>${marketCell(t.conditionId, t.title)}</td>
    <td>${esc(t.outcome)}</td><td class="num">${px(t.price)}</td><td class="num">${usd(t.notional)}</td></tr>`;
}

// Live trades: what the API listed merged with what the stream delivered (a slow page must not erase newer frames).
const liveTrades = new Map();
let shownTrades = new Set();

function renderTrades() {
  const rows = [...liveTrades.values()].sort((a, b) => b.id - a.id).slice(0, 50);
  for (const id of [...liveTrades.keys()]) if (!rows.some((t) => t.id === id)) liveTrades.delete(id);
  $("live-trades").innerHTML = rows.map((t) => tradeRow(t, !shownTrades.has(t.id))).join("");
  shownTrades = new Set(rows.map((t) => t.id));
}

async function loadTrades() {
  const items = (await api("GET", "/trades?limit=25")).items;
  for (const t of items) liveTrades.set(t.id, t);
  renderTrades();
}

// ------------------------------------------------------------------ whales
function sparkline(values) {
  if (!values || values.length < 2) return "";
  const min = Math.min(...values), max = Math.max(...values), span = max - min || 1;
  const pts = values.map((v, i) => `${(i / (values.length - 1)) * 80},${18 - ((v - min) / span) * 16}`).join(" ");
  return `<svg class="spark" width="80" height="20"><polyline points="${pts}"/></svg>`;
}

async function loadWhales() {
  const q = new URLSearchParams({ limit: 50, offset: state.offset, sort: $("sort").value });
  if ($("filter-class").value) q.set("class", $("filter-class").value);
  if ($("search").value) q.set("q", $("search").value);
  const current = newest("whales");
  const page = await api("GET", "/whales?" + q);
  if (!current()) return;
  $("whale-count").textContent = `${page.total} wallets · ${state.offset + 1}–${state.offset + page.items.length}`;
  $("whale-rows").innerHTML = page.items.map((w) => {
    const s = w.score || {};
    return `<tr data-whale="${w.address}"><td>${walletLink(w.address)}</td><td>${esc(w.label)}</td>
      <td>${esc(s.walletClass || "–")}</td><td class="num">${pct(s.winRateLowerBound)}</td><td class="num">${pct(s.shrunkWinRate)}</td>
      <td class="num">${num(s.sharpe)}</td><td class="num">${num(s.kelly)}</td><td class="num">${usd(s.realizedPnl)}</td>
      <td>${sparkline(w.sparkline)}</td><td>${w.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</td>
      <td>${esc(w.listStatus)}</td>
      <td><button data-act="allow">allow</button><button data-act="deny">deny</button><button data-act="tag">tag</button><button data-act="remove" class="danger">remove</button></td></tr>`;
  }).join("");
  $("next-page").disabled = page.next == null;
  $("prev-page").disabled = state.offset === 0;
}

async function whaleAction(ev) {
  const row = ev.target.closest("tr[data-whale]");
  if (!row) return;
  const address = row.dataset.whale;
  const act = ev.target.dataset.act;
  try {
    if (act === "allow" || act === "deny") await api("PATCH", "/whales/" + address, { listStatus: act });
    else if (act === "tag") {
      const tags = prompt("Tags (comma-separated)");
      if (tags == null) return;
      await api("PATCH", "/whales/" + address, { tags: tags.split(",").map((t) => t.trim()).filter(Boolean) });
    } else if (act === "remove") {
      if (!confirm("Stop tracking " + address + "?")) return;
      await api("DELETE", "/whales/" + address);
    } else { return; }
    loadWhales();
  } catch (e) { alert(e.message); }
}

async function addWhale(ev) {
  ev.preventDefault();
  $("whale-error").textContent = "";
  try {
    await api("POST", "/whales", { address: $("whale-address").value.trim(), label: $("whale-label").value,
                                   tags: $("whale-tags").value.split(",").map((t) => t.trim()).filter(Boolean) });
    $("whale-address").value = ""; $("whale-label").value = ""; $("whale-tags").value = "";
    loadWhales();
  } catch (e) { $("whale-error").textContent = e.message; }
}

// ------------------------------------------------------------------ baskets
async function loadBaskets() {
  const items = (await api("GET", "/baskets")).items;
  $("baskets").innerHTML = items.map((b) => `<div class="card wide" data-basket="${b.id}">
    <h2>${esc(b.name)} · ${b.enabled ? "enabled" : "disabled"} · window ${b.windowHours} h · ≥ ${b.minMembers} members · ratio ${pct(b.consensusRatio)} · upside ≥ ${px(b.minUpside)}</h2>
    <table><tbody>${b.members.map((m) => `<tr><td class="mono">${esc(m.wallet)}</td><td>${esc(m.membership)}</td>
      <td><button data-act="remove-member" data-wallet="${m.wallet}">remove</button></td></tr>`).join("")}</tbody></table>
    <form class="inline" data-act="add-member"><input placeholder="0x… member" size="44" required><button type="submit">Add member</button>
    <button type="button" data-act="toggle">${b.enabled ? "Disable" : "Enable"}</button>
    <button type="button" data-act="delete" class="danger">Delete basket</button></form></div>`).join("");
}

async function basketAction(ev) {
  const card = ev.target.closest("[data-basket]");
  if (!card) return;
  const id = card.dataset.basket;
  const act = ev.target.dataset.act;
  try {
    if (ev.type === "submit") {
      ev.preventDefault();
      await api("PUT", `/baskets/${id}/members/${ev.target.querySelector("input").value.trim().toLowerCase()}`);
    } else if (act === "remove-member") await api("DELETE", `/baskets/${id}/members/${ev.target.dataset.wallet}`);
    else if (act === "toggle") await api("PATCH", `/baskets/${id}`, { enabled: ev.target.textContent === "Enable" });
    else if (act === "delete") { if (!confirm("Delete this basket?")) return; await api("DELETE", `/baskets/${id}`); }
    else return;
    loadBaskets();
  } catch (e) { alert(e.message); }
}

async function addBasket(ev) {
  ev.preventDefault();
  $("basket-error").textContent = "";
  try {
    await api("POST", "/baskets", { name: $("basket-name").value, windowHours: Number($("basket-window").value),
                                    minMembers: Number($("basket-min").value) });
    $("basket-name").value = "";
    loadBaskets();
  } catch (e) { $("basket-error").textContent = e.message; }
}

// ------------------------------------------------------------------ signals, orders, decisions, approvals
async function loadActivity() {
  const current = newest("activity");
  const [signals, orders, decisions, approvals] = await Promise.all([
    api("GET", "/signals?limit=50"), api("GET", "/orders?limit=50"), api("GET", "/risk/decisions?limit=50"), api("GET", "/approvals")]);
  await ensureTitles(signals.items.map((s) => s.conditionId).concat(orders.items.map((o) => o.conditionId), approvals.items.map((o) => o.conditionId)));
  if (!current()) return;
  $("signals").innerHTML = signals.items.map((s) => `<tr><td>${s.id}</td><td>${when(s.createdAt)}</td><td>${marketCell(s.conditionId)}</td>
    <td>${esc(outcomeOf(s.conditionId, s.asset, s.outcome))}</td><td title="${esc(s.wallets.join("\n"))}">${s.agreeing} / ${s.agreeing + s.opposing}</td>
    <td class="num">${px(s.whalePrice)}</td><td class="num">${px(s.bestAsk)}</td><td>${esc(s.status)}</td><td>${esc(s.reason)}</td></tr>`).join("");
  $("orders").innerHTML = orders.items.map((o) => `<tr><td>${o.id}</td><td>${esc(o.purpose)}</td><td>${esc(o.side)}</td>
    <td>${marketCell(o.conditionId)} <span class="sub">${esc(outcomeOf(o.conditionId, o.asset, o.outcome))}</span></td><td class="num">${px(o.price)}</td><td class="num">${num(o.size)}</td>
    <td class="num">${num(o.filledSize)}</td><td class="num">${px(o.averageFillPrice)}</td><td>${esc(o.status)}${o.books === "pending_trades" ? ` <span class="sub" title="the venue matched ${esc(num(o.venueMatched))} shares; the books wait for their trades">pending trades</span>` : ""}</td><td>${esc(o.error || "")}</td></tr>`).join("");
  $("decisions").innerHTML = decisions.items.map((d) => `<tr><td>${d.id}</td><td>${d.signalId ?? "–"}</td>
    <td class="${d.approved ? "up" : "down"}">${d.approved ? "approved" : "denied"}</td><td>${esc(d.reason)}</td>
    <td class="mono">${esc(Object.entries(d.context).map(([k, v]) => k + "=" + v).join(" "))}</td></tr>`).join("");
  $("approvals").innerHTML = approvals.items.map((o) => `<tr data-order="${o.id}"><td>${o.id}</td><td>${marketCell(o.conditionId)} <span class="sub">${esc(outcomeOf(o.conditionId, o.asset, o.outcome))}</span></td>
    <td>${esc(o.side)}</td><td class="num">${px(o.price)}</td><td class="num">${num(o.size)}</td><td>${when(o.approvalExpiresAt)}</td>
    <td><button data-act="approve">approve</button><button data-act="reject" class="danger">reject</button></td></tr>`).join("");
}

async function approvalAction(ev) {
  const row = ev.target.closest("tr[data-order]");
  if (!row || !ev.target.dataset.act) return;
  try {
    if (ev.target.dataset.act === "approve") await api("POST", `/approvals/${row.dataset.order}/approve`);
    else await api("POST", `/approvals/${row.dataset.order}/reject`, { reason: prompt("Reason") || "" });
    loadActivity();
  } catch (e) { alert(e.message); }
}

// ------------------------------------------------------------------ settings and kill switch
async function loadSettings() {
  const items = (await api("GET", "/settings")).items;
  $("settings").innerHTML = items.map((s) => `<tr><td class="mono">${esc(s.key)}</td>
    <td><input name="${esc(s.key)}" value="${esc(s.value === "<unset>" ? "" : s.value)}" data-original="${esc(s.value)}"></td>
    <td class="sub">${esc(s.origin)}</td></tr>`).join("");
}

async function saveSettings(ev) {
  ev.preventDefault();
  const changes = {};
  for (const input of $("settings").querySelectorAll("input")) {
    if (input.value !== input.dataset.original && !(input.value === "" && input.dataset.original === "<unset>")) changes[input.name] = input.value;
  }
  if (Object.keys(changes).length === 0) { $("settings-result").textContent = "nothing changed"; return; }
  try {
    await api("PUT", "/settings", changes);
    $("settings-result").textContent = "saved and applied";
    loadSettings();
  } catch (e) { $("settings-result").textContent = e.message; }
}

async function setTradingState(s) {
  const reason = s === "active" ? "resumed from the dashboard" : prompt("Reason") || "from the dashboard";
  try { await api("PUT", "/trading-state", { state: s, reason }); loadOverview(); } catch (e) { alert(e.message); }
}

// ------------------------------------------------------------------ live stream
// The session token never goes into a URL: each connection first gets a single-use, 30-second ticket.
async function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  let ticket;
  try { ticket = (await api("POST", "/stream/ticket")).ticket; } catch (e) {
    state.socketUp = false; $("socket").textContent = "down"; updateBanner();
    if (state.token) setTimeout(connect, 2000);
    return;
  }
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/stream?ticket=${encodeURIComponent(ticket)}&cursor=${state.seq}`);
  state.socket = ws;
  ws.onopen = () => { state.socketUp = true; $("socket").textContent = "connected"; updateBanner(); };
  ws.onclose = () => {
    state.socketUp = false; $("socket").textContent = "down"; updateBanner();
    if (state.token) setTimeout(connect, 1000);
  };
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data);
    state.seq = Math.max(state.seq, e.seq);
    switch (e.type) {
      case "whale_trade": {
        liveTrades.set(e.data.id, e.data);
        renderTrades();
        break;
      }
      case "reset": refresh(); break;
      case "position": case "order": loadPositions(); loadOverview(); if (!$("tab-activity").classList.contains("hidden")) loadActivity(); break;
      case "signal": case "risk_decision":
        if (!$("tab-activity").classList.contains("hidden")) loadActivity();
        if (!$("tab-ledger").classList.contains("hidden")) loadLedger().catch(console.error);
        break;
      case "trading_state": loadOverview(); break;
      case "feed": loadOverview(); break;
    }
  };
}

const loaders = { overview: () => refresh(), leaderboard: () => loadLeaderboard(), whales: () => loadWhales(),
                  ledger: () => loadLedger(), backtests: () => loadBacktests(), baskets: () => loadBaskets(),
                  activity: () => loadActivity(), settings: () => loadSettings(), profile: () => Promise.resolve() };

/** Shows a tab and loads it; `quiet` leaves the address bar alone (the router called it). */
function showTab(name, quiet) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of document.querySelectorAll(".tab")) t.classList.toggle("hidden", t.id !== "tab-" + name);
  if (!quiet && name !== "profile" && location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  return Promise.resolve(loaders[name]()).catch((e) => console.error(e));
}

/** `#whale/0x…` opens a profile, `#backtest/N` a backtest, `#tab` a tab. */
function route() {
  const h = location.hash.slice(1);
  if (h.startsWith("whale/")) return showProfile(h.slice(6).toLowerCase());
  if (h.startsWith("backtest/")) { showTab("backtests", true); return showBacktest(Number(h.slice(9))).catch(console.error); }
  if (loaders[h] && h !== "profile") return showTab(h, true);
}

async function refresh() {
  try { await Promise.all([loadOverview(), loadTrades(), loadPositions(), loadPnl()]); } catch (e) { console.error(e); }
}

function start() {
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  refresh();
  connect();
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(() => loadOverview().catch(() => {}), 2000);
  document.body.dataset.ready = "1";
  route();
}

$("login-form").addEventListener("submit", login);
window.addEventListener("hashchange", () => { if (state.token) route(); });
$("lb-rows").addEventListener("click", leaderboardAction);
$("pf-cluster").addEventListener("click", clusterAction);
for (const id of ["lb-class", "lb-category", "lb-sort", "lb-one-per-cluster"]) $(id).addEventListener("change", () => { lb.offset = 0; loadLeaderboard().catch(console.error); });
$("lb-next").addEventListener("click", () => { lb.offset += 50; loadLeaderboard().catch(console.error); });
$("lb-prev").addEventListener("click", () => { lb.offset = Math.max(0, lb.offset - 50); loadLeaderboard().catch(console.error); });
$("bt-form").addEventListener("submit", startBacktest);
$("logout").addEventListener("click", logout);
for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => showTab(b.dataset.tab));
$("whale-rows").addEventListener("click", whaleAction);
$("add-whale").addEventListener("submit", addWhale);
$("sort").addEventListener("change", () => { state.offset = 0; loadWhales(); });
$("filter-class").addEventListener("change", () => { state.offset = 0; loadWhales(); });
$("search").addEventListener("input", () => { state.offset = 0; loadWhales(); });
$("next-page").addEventListener("click", () => { state.offset += 50; loadWhales(); });
$("prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - 50); loadWhales(); });
$("add-basket").addEventListener("submit", addBasket);
$("baskets").addEventListener("click", basketAction);
$("baskets").addEventListener("submit", basketAction);
$("approvals").addEventListener("click", approvalAction);
$("settings-form").addEventListener("submit", saveSettings);
$("halt").addEventListener("click", () => setTradingState("halted"));
$("reduce").addEventListener("click", () => setTradingState("reduce_only"));
$("resume").addEventListener("click", () => setTradingState("active"));
if (state.token) start(); else $("login").classList.remove("hidden");
