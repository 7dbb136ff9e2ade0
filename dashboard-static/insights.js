// Whale intelligence: the leaderboard of every scored wallet, a wallet's profile, and the graded signal ledger.
// Every figure comes from /api/v1 (leaderboard, whales/{address}/profile, signals/ledger).
"use strict";

const lb = { offset: 0, baskets: [] };

// A rate shown to a person carries its 95 % interval, or says it is too few to judge (under 10 graded signals).
function judged(record, value, low, high) {
  if (value == null) return "–";
  if (record.tooFewToJudge) {
    return `<span class="sub" title="${esc(pct(value))} of only ${record.graded} graded: not a result">too few to judge (n = ${record.graded})</span>`;
  }
  return `${pct(value)} <span class="sub">(${pct(low)} to ${pct(high)})</span>`;
}

// The edge a copy kept, with its 95 % interval, or "too few to judge" under 10 resolved entries.
function keptJudged(c) {
  if (c.tooFewToJudge) {
    return `<span class="sub" title="${esc(edgePct(c.keptEdge))} over only ${c.entries} entries: not a result">too few to judge (n = ${c.entries})</span>`;
  }
  return `${edgePct(c.keptEdge)}` + (c.keptLow == null ? "" : ` <span class="sub">(${edgePct(c.keptLow)} to ${edgePct(c.keptHigh)})</span>`);
}

const q = (v) => v == null ? "–" : Number(v) < 0.001 ? Number(v).toExponential(1) : Number(v).toFixed(3);
const edgePct = (v) => v == null ? "–" : (Number(v) >= 0 ? "+" : "") + (Number(v) * 100).toFixed(1) + " pp";

// ------------------------------------------------------------------ leaderboard
async function loadLeaderboard() {
  const p = new URLSearchParams({ limit: 50, offset: lb.offset, sort: $("lb-sort").value });
  if ($("lb-class").value) p.set("class", $("lb-class").value);
  if ($("lb-category").value) p.set("category", $("lb-category").value);
  if ($("lb-one-per-cluster").checked) p.set("onePerCluster", "true");
  const current = newest("leaderboard");
  const [page, baskets] = await Promise.all([api("GET", "/leaderboard?" + p), api("GET", "/baskets")]);
  if (!current()) return;
  lb.baskets = baskets.items;
  const sel = $("lb-basket"), keep = sel.value;
  sel.innerHTML = lb.baskets.map((b) => `<option value="${b.id}">${esc(b.name)}</option>`).join("");
  if (keep) sel.value = keep;
  const cat = $("lb-category"), chosen = cat.value;
  cat.innerHTML = `<option value="">all</option>` + page.categories.map((c) => `<option>${esc(c)}</option>`).join("");
  cat.value = chosen;
  $("lb-count").textContent = `${page.total} scored wallets · ${page.total ? lb.offset + 1 : 0}–${lb.offset + page.items.length}`;
  $("lb-rows").innerHTML = page.items.map((r) => {
    const s = r.score, c = r.copyability;
    return `<tr data-wallet="${esc(r.address)}"><td>${walletLink(r.address, r.label)}</td><td><span class="pill">${esc(s.walletClass)}</span></td>
      <td class="num">${edgePct(s.edge)}</td><td class="num">${edgePct(r.edgeLowerBound)}</td><td class="num">${q(s.qValue)}</td>
      <td class="num" title="${s.resolvedEvents == null ? "" : s.resolvedEvents + " independent events"}">${s.resolvedMarkets}</td><td class="num">${s.markout1h == null ? "–" : px(s.markout1h)}</td>
      <td class="num ${c ? (c.uncopyable ? "down" : "up") : ""}" title="${c ? esc(c.source) + ", " + c.entries + " entries" : "not copied yet"}">${c ? keptJudged(c) : "–"}</td>
      <td class="num">${usd(s.volume)}</td><td>${r.categories.slice(0, 3).map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</td>
      <td title="${r.clusterSize > 1 ? "one trader with " + (r.clusterSize - 1) + " other wallet(s); cluster " + esc(r.cluster) : "no linked wallet"}">${r.clusterSize > 1 ? `${walletLink(r.cluster, "")} <span class="sub">×${r.clusterSize}</span>` : "–"}</td>
      <td><button data-act="add" ${lb.baskets.length ? "" : "disabled"}>add to basket</button></td></tr>`;
  }).join("");
  $("lb-next").disabled = page.next == null;
  $("lb-prev").disabled = lb.offset === 0;
}

async function leaderboardAction(ev) {
  const row = ev.target.closest("tr[data-wallet]");
  if (!row || ev.target.dataset.act !== "add") return;
  const id = $("lb-basket").value;
  const b = lb.baskets.find((x) => String(x.id) === id);
  try {
    await api("PUT", `/baskets/${id}/members/${row.dataset.wallet}`);
    $("lb-result").textContent = `${row.dataset.wallet} added to ${b ? b.name : "basket " + id} (audited)`;
  } catch (e) { $("lb-result").textContent = e.message; }
}

// ------------------------------------------------------------------ profile
async function showProfile(address) {
  $("profile-tab").classList.remove("hidden");
  showTab("profile", true);
  $("pf-head").innerHTML = `<h2>Loading ${esc(address)}…</h2>`;
  let d;
  try { d = await api("GET", `/whales/${address}/profile`); } catch (e) { $("pf-head").innerHTML = `<h2 class="error">${esc(e.message)}</h2>`; return; }
  await ensureTitles(d.recentTrades.map((t) => t.conditionId).concat(d.equity.map((e) => e.conditionId)));
  const s = d.score;
  $("pf-head").innerHTML = `<h2>${esc(d.label || "wallet")} <span class="mono">${esc(d.address)}</span></h2>
    <p><span class="pill" id="pf-class-name">${esc(s ? s.walletClass : "not scored")}</span>
    ${d.tracked ? "tracked" : "not tracked"} · list ${esc(d.listStatus)} · baskets: ${d.baskets.length ? d.baskets.map((b) => esc(b.name)).join(", ") : "none"}</p>
    ${s ? `<dl class="row">
      <dt>Edge</dt><dd>${edgePct(s.edge)} ± ${s.edgeStandardError == null ? "–" : (196 * s.edgeStandardError).toFixed(1) + " pp"} (95 %)</dd>
      <dt>Lower bound</dt><dd>${edgePct(d.edgeLowerBound)}</dd><dt>q-value</dt><dd>${q(s.qValue)}</dd><dt>p-value</dt><dd>${q(s.pValue)}</dd>
      <dt>Edge over the population's calibration</dt><dd title="outcome − how often all buys at that price won, over markets resolved before the snapshot">${edgePct(s.edgeOverCalibration)}</dd>
      <dt>Resolved markets (events)</dt><dd>${s.resolvedMarkets}${s.resolvedEvents == null ? "" : ` (${s.resolvedEvents})`}</dd><dt>Win rate (shrunk)</dt><dd>${pct(s.shrunkWinRate)}</dd>
      <dt>Markout 1 h / 24 h</dt><dd>${s.markout1h == null ? "–" : px(s.markout1h)} / ${s.markout24h == null ? "–" : px(s.markout24h)} over ${s.markoutTrades} trades</dd>
      <dt>Realised PnL</dt><dd>${signed(s.realizedPnl)}</dd><dt>Scored as of</dt><dd>${dayLabel(s.computedAt, true)} UTC</dd></dl>` : `<p class="sub">No score yet: the next rescoring scores it.</p>`}`;

  const h = d.history;
  drawChart("pf-score-chart", {
    type: "line", empty: "no snapshot with an edge yet (no resolved market)",
    data: { datasets: [
      line("edge", h.map((x) => ({ x: x.computedAt, y: x.edge })), palette[0]),
      line("edge − 1.96 se", h.map((x) => ({ x: x.computedAt, y: x.edge == null ? null : x.edge - 1.96 * (x.edgeStandardError || 0) })), palette[7], { borderDash: [4, 4], pointRadius: 2 }),
      line("edge + 1.96 se", h.map((x) => ({ x: x.computedAt, y: x.edge == null ? null : x.edge + 1.96 * (x.edgeStandardError || 0) })), palette[7], { borderDash: [4, 4], pointRadius: 2 }),
      line("lower bound (edge − t·se, one-sided 95 %)", h.map((x) => ({ x: x.computedAt, y: x.edgeLowerBound ?? null })), palette[1]),
      line("q-value", h.map((x) => ({ x: x.computedAt, y: x.qValue })), palette[2], { yAxisID: "q" }),
    ] },
    options: { scales: { x: timeAxis("snapshot time (UTC)", true), y: axis("edge (win rate − price paid)"), q: axis("q-value", { position: "right", min: 0, max: 1, grid: { display: false } }) } },
  });
  drawChart("pf-equity-chart", {
    type: "line", empty: "no position of this wallet has ended yet",
    data: { datasets: [line("cumulative realised PnL", d.equity.map((e) => ({ x: e.time, y: Number(e.cumulative), title: titleOf(e.conditionId) || e.title })), palette[1])] },
    options: { scales: { x: timeAxis("position closed (UTC)"), y: axis("USDC") },
               plugins: { tooltip: { callbacks: { afterLabel: (c) => c.raw.title || "" } } } },
  });
  const cal = d.calibration;
  drawChart("pf-calibration-chart", {
    type: "scatter", empty: "no position on a resolved market yet",
    data: { datasets: [
      { label: "won / bought (per price bucket)", data: cal.map((b) => ({ x: b.meanPrice, y: b.winRate, n: b.positions })), backgroundColor: palette[0], pointRadius: cal.map((b) => Math.min(12, 3 + Math.sqrt(b.positions))) },
      { label: "95 % interval", data: cal.flatMap((b) => [{ x: b.meanPrice, y: b.winRateLow }, { x: b.meanPrice, y: b.winRateHigh }]), backgroundColor: palette[7], pointStyle: "line", pointRadius: 6 },
      { label: "perfect calibration", type: "line", reference: true, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: palette[3], borderDash: [6, 4], pointRadius: 0 },
    ] },
    options: { scales: { x: axis("average price paid (implied probability)", { min: 0, max: 1 }), y: axis("share that won", { min: 0, max: 1 }) },
               plugins: { tooltip: { callbacks: { afterLabel: (c) => c.raw.n ? c.raw.n + " positions" : "" } } } },
  });
  $("pf-calibration-note").textContent = `${d.calibratedPositions} positions on resolved markets (resolutions known as of ${dayLabel(d.asOf, true)} UTC).`;
  const max = Math.max(1, ...d.activity.flat());
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const cells = [];
  d.activity.forEach((hours, day) => hours.forEach((n, hour) => { if (n > 0) cells.push({ x: hour, y: day, n }); }));
  drawChart("pf-heatmap-chart", {
    type: "scatter",
    data: { datasets: [{ label: "trades (darker = more)", data: cells, pointStyle: "rect", pointRadius: 7,
      backgroundColor: cells.map((c) => `rgba(88,166,255,${(0.15 + 0.85 * c.n / max).toFixed(2)})`) }] },
    options: { scales: { x: axis("hour (UTC)", { min: -0.5, max: 23.5, ticks: { color: faint, callback: (v) => Number.isInteger(v) ? v + ":00" : "" },
                                                  afterBuildTicks: (sc) => { sc.ticks = [0, 3, 6, 9, 12, 15, 18, 21].map((v) => ({ value: v })); } }),
                         y: axis("weekday", { min: -0.5, max: 6.5, reverse: true, ticks: { color: faint, callback: (v) => days[v] || "" },
                                              afterBuildTicks: (sc) => { sc.ticks = [0, 1, 2, 3, 4, 5, 6].map((v) => ({ value: v })); } }) },
               plugins: { tooltip: { callbacks: { label: (c) => `${days[c.raw.y]} ${c.raw.x}:00 — ${c.raw.n} trades` } } } },
  });
  drawChart("pf-category-chart", {
    type: "bar",
    data: { labels: d.categories.map((c) => c.category), datasets: [
      { label: "volume", data: d.categories.map((c) => Number(c.volume)), backgroundColor: palette[0] },
      { label: "realised PnL", data: d.categories.map((c) => Number(c.realizedPnl)), backgroundColor: palette[1] },
    ] },
    options: { scales: { x: axis("category"), y: axis("USDC") } },
  });
  const basis = s && s.classBasis;
  $("pf-class").innerHTML = `<h2>Why ${esc(s ? s.walletClass : "–")}</h2>` + (basis ? `<p>${esc(basis.rule)}</p>
    <table><thead><tr><th>Feature</th><th class="num">Value</th><th>Threshold</th></tr></thead><tbody>
    ${Object.keys(Object.assign({}, basis.features, basis.thresholds)).sort().map((k) => `<tr><td>${esc(k)}</td>
      <td class="num">${basis.features[k] == null ? "–" : num(basis.features[k], 3)}</td><td class="num">${basis.thresholds[k] == null ? "" : num(basis.thresholds[k], 3)}</td></tr>`).join("")}
    </tbody></table>` : `<p class="sub">No class basis stored with this snapshot.</p>`);
  const c = d.copyability;
  $("pf-copy").innerHTML = `<h2>Copyability</h2>` + (c ? `<dl>
    <dt>Their edge</dt><dd>${edgePct(c.theirEdge)}</dd><dt>Our delay cost</dt><dd>${edgePct(-c.delayCost)}</dd>
    <dt>Our fee</dt><dd>${edgePct(-c.fee)}</dd><dt>Edge kept</dt><dd class="${c.uncopyable ? "down" : "up"}">${keptJudged(c)}${c.uncopyable && !c.tooFewToJudge ? " — uncopyable" : ""}</dd>
    <dt>Entries</dt><dd>${c.entries}</dd><dt>From</dt><dd>${esc(c.source)}</dd></dl>`
    : `<p class="sub">Not copied on a resolved market yet, and in no stored backtest: nothing to measure.</p>`);
  $("pf-trades").innerHTML = d.recentTrades.map((t) => tradeRow(t, false)).join("");
  renderCluster(d.address, d.cluster);
  document.body.dataset.profile = d.address;
}

// The wallets that are one trader with this one, the evidence that links them, and the operator's merge and split.
function linkEvidence(l) {
  if (l.kind === "funding") return `shared funder ${esc(l.funder)} (depth ${l.depth})`;
  if (l.kind === "co_trading") return `${l.shared} co-trades within 60 s where chance explains ${num(l.expected, 2)} (p = ${l.pValue.toExponential(1)})`;
  return `merged by hand${l.reason ? ": " + esc(l.reason) : ""}`;
}

function renderCluster(address, c) {
  const others = c ? c.members.filter((m) => m !== address) : [];
  $("pf-cluster").innerHTML = `<h2>Linked wallets (one trader, one vote)</h2>` + (others.length ? `
    <p>${others.map((m) => walletLink(m, "")).join(" ")}</p>
    <table><thead><tr><th>Wallets</th><th>Evidence</th><th>Known since</th></tr></thead><tbody>
    ${c.links.map((l) => `<tr><td class="mono">${esc(l.a.slice(0, 10))}… ↔ ${esc(l.b.slice(0, 10))}…</td><td>${linkEvidence(l)}</td><td>${dayLabel(l.since, true)}</td></tr>`).join("")}
    </tbody></table>
    ${c.score ? `<p>The cluster scored as one wallet over its members' trades (q-value = its own p-value): edge ${edgePct(c.score.edge)}, lower bound ${edgePct(c.score.edgeLowerBound)}, ${c.score.resolvedMarkets} resolved markets, class ${esc(c.score.walletClass)}.</p>` : ""}
    <p><button id="pf-split" data-wallet="${esc(address)}">split this wallet out</button></p>`
    : `<p class="sub">No linked wallet: no shared funder, no co-trading beyond chance, no merge by hand.</p>`)
    + (c && c.splits.length ? `<p class="sub">Split by hand: ${c.splits.map((s) => esc(s.wallet.slice(0, 10)) + "… " + dayLabel(s.since, true) + (s.reason ? " (" + esc(s.reason) + ")" : "")).join("; ")}</p>` : "")
    + `<p><label>Merge with <input id="pf-merge-with" placeholder="0x… wallet" size="44"></label> <button id="pf-merge" data-wallet="${esc(address)}">merge (audited)</button></p>
    <p id="pf-cluster-result" class="sub" role="status"></p>`;
}

async function clusterAction(ev) {
  const id = ev.target.id;
  if (id !== "pf-split" && id !== "pf-merge") return;
  const wallet = ev.target.dataset.wallet;
  const reason = prompt(id === "pf-split" ? "Why is this wallet not one trader with the others?" : "Why are these wallets one trader?") || "";
  try {
    if (id === "pf-split") await api("POST", "/clusters/split", { wallet, reason });
    else await api("POST", "/clusters/merge", { wallets: [wallet, $("pf-merge-with").value.trim().toLowerCase()], reason });
    await showProfile(wallet);
    $("pf-cluster-result").textContent = id === "pf-split" ? "split (audited)" : "merged (audited)";
  } catch (e) { $("pf-cluster-result").textContent = e.message; }
}

// ------------------------------------------------------------------ signal ledger
async function loadLedger() {
  const current = newest("ledger");
  const d = await api("GET", "/signals/ledger?limit=200");
  await ensureTitles(d.items.map((l) => l.signal.conditionId));
  if (!current()) return;
  $("ledger-note").textContent = `Graded once the market resolves: won/lost and PnL after fees for filled entries; a signal that was not filled (skipped, denied, expired) shows in italics what it would have made at the price it saw with a ${usd(d.stake)} stake and the market's taker fee.`;
  $("ledger-rows").innerHTML = d.items.map((l) => {
    const s = l.signal;
    const reason = l.deniedReason || s.reason || "";
    const res = l.result === "open" ? `<span class="sub">open</span>` : `<span class="${l.result === "won" ? "up" : "down"}">${l.result}</span>`;
    const pnl = l.pnl == null ? "–" : l.filled ? signed(l.pnl) : `<i title="would have made">${signed(l.pnl)}</i>`;
    return `<tr data-signal="${s.id}" data-graded="${l.graded ? 1 : 0}" data-result="${esc(l.result)}"><td>${s.id}</td><td>${dayLabel(s.createdAt, true)}</td><td>${esc(l.basket || "–")}</td>
      <td>${marketCell(s.conditionId, l.title)}</td><td>${esc(outcomeOf(s.conditionId, s.asset, s.outcome))}</td>
      <td title="${esc(s.votes ? s.votes.map((v) => v.join(" + ")).join("\n") : s.wallets.join("\n"))}">${s.votes ? `${s.votes.length} votes · ${s.agreeing} wallets` : `${s.agreeing} / ${s.agreeing + s.opposing}`}</td><td class="num">${px(s.whalePrice)}</td><td class="num">${px(s.bestAsk)}</td>
      <td>${esc(l.entryStatus ? s.status + " · " + l.entryStatus : s.status)}</td><td class="wrap">${esc(reason)}</td><td>${res}</td>
      <td class="num">${l.cost == null ? "–" : (l.filled ? usd(l.cost) : `<i>${usd(l.cost)}</i>`)}</td><td class="num">${pnl}</td></tr>`;
  }).join("");
  $("ledger-baskets").innerHTML = d.baskets.map((b) => `<tr><td>${esc(b.basket)}</td><td class="num">${b.signals}</td><td class="num">${b.graded}</td>
    <td class="num">${judged(b, b.hitRate, b.hitRateLow, b.hitRateHigh)}</td><td class="num">${signed(b.pnl)}</td><td class="num">${judged(b, b.returnOnCost, b.returnLow, b.returnHigh)}</td>
    <td class="num">${b.notFilledGraded ? signed(b.notFilledPnl) + ` <span class="sub">(${b.notFilledGraded})</span>` : "–"}</td></tr>`).join("");
  const sets = [];
  d.baskets.forEach((b, i) => {
    if (!b.series.length) return;
    sets.push(line(b.basket + " hit rate", b.series.map((p) => ({ x: p.time, y: p.hitRate })), palette[i % palette.length]));
    sets.push(line(b.basket + " return on cost", b.series.map((p) => ({ x: p.time, y: p.returnOnCost })), palette[i % palette.length], { borderDash: [5, 3] }));
  });
  drawChart("ledger-chart", { type: "line", data: { datasets: sets }, empty: "no filled signal has resolved yet",
    options: { scales: { x: timeAxis("signal time (UTC)"), y: axis("running hit rate / return on cost (1 = 100 %)") } } });
}
