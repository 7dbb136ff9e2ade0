// Backtests: start one on the stored history (POST /api/v1/backtests) or open a past run; its report (the
// walk-forward evidence: verdict, equity, drawdown, baselines, per-wallet edge kept) drawn with charts.
"use strict";

const bt = { shown: null, follow: null, timer: null };

async function loadBacktests() {
  const runs = (await api("GET", "/backtests?limit=50")).items;
  $("bt-runs").innerHTML = runs.map((r) => `<tr data-run="${r.id}" class="${r.id === bt.shown ? "selected" : ""}">
    <td><a href="#backtest/${r.id}">#${r.id}</a></td><td>${dayLabel(r.startedAt, true)}</td><td>${esc(r.source)}</td><td>${esc(r.startedBy)}</td>
    <td>${esc(r.status)}</td><td class="wrap ${r.edgeSignificant ? "up" : ""}">${esc(r.verdict || r.error || "")}</td></tr>`).join("");
  // A running backtest is polled until it ends.
  clearTimeout(bt.timer);
  if (runs.some((r) => r.status === "running") && !$("tab-backtests").classList.contains("hidden")) {
    bt.timer = setTimeout(() => loadBacktests().catch(() => {}), 3000);
  }
  // Show the run just started once it ends, else the newest completed one.
  const followed = bt.follow != null ? runs.find((r) => r.id === bt.follow && r.status !== "running") : null;
  if (followed) { bt.follow = null; await showBacktest(followed.id); return; }
  if (bt.shown == null && bt.follow == null) {
    const done = runs.find((r) => r.status === "completed");
    if (done) await showBacktest(done.id);
  }
}

async function startBacktest(ev) {
  ev.preventDefault();
  $("bt-error").textContent = "";
  const body = { rescoreEvery: $("bt-every").value, basket: $("bt-basket").value, minMembers: Number($("bt-min").value), fees: $("bt-fees").value,
                 baselines: $("bt-baselines").checked };
  if ($("bt-notional").value) body.minNotional = $("bt-notional").value;
  try {
    const run = await api("POST", "/backtests", body);
    $("bt-error").textContent = `backtest #${run.id} started`;
    bt.shown = null;
    bt.follow = run.id;
    loadBacktests();
  } catch (e) { $("bt-error").textContent = e.message; }
}

async function showBacktest(id) {
  const run = await api("GET", "/backtests/" + id);
  bt.shown = run.id;
  for (const tr of $("bt-runs").rows) tr.classList.toggle("selected", tr.dataset.run === String(run.id));
  const r = run.report;
  $("bt-report").classList.toggle("hidden", !r);
  if (!r) { $("bt-error").textContent = `backtest #${run.id}: ${run.status}${run.error ? " — " + run.error : ""}`; return; }
  $("bt-verdict").textContent = r.verdict;
  $("bt-verdict").className = "verdict " + (r.edgeSignificant ? "up" : "down");
  $("bt-meta").textContent = `run #${run.id} on ${run.source}: ${r.trades} trades ${dayLabel(r.from)} → ${dayLabel(r.to)}, rescored every ${r.rescoreEverySeconds} s, basket ${r.basketRule}, ≥ ${r.minMembers} agree, sizing ${r.sizing}, fees ${r.feePlan}, copy delay ${r.copyDelaySeconds} s, FDR ${r.falseDiscoveryRate}; max drawdown ${usd(r.maxDrawdown.amount)} (${pct(r.maxDrawdown.fraction)}).`;
  const eq = r.equity.map((p) => ({ x: p.time, y: Number(p.equity) }));
  drawChart("bt-equity-chart", { type: "line", empty: "no copied position resolved", data: { datasets: [line("equity after each copied position", eq, palette[0])] },
    options: { scales: { x: timeAxis("entry time (UTC)", true), y: axis("USDC") } } });
  let peak = -Infinity;
  const dd = eq.map((p) => { peak = Math.max(peak, p.y); return { x: p.x, y: p.y - peak }; });
  drawChart("bt-drawdown-chart", { type: "line", empty: "no copied position resolved", data: { datasets: [line("drawdown from the previous peak", dd, palette[3], { fill: true, backgroundColor: "rgba(248,81,73,0.2)" })] },
    options: { scales: { x: timeAxis("entry time (UTC)", true), y: axis("USDC") } } });
  const runs = [r.main].concat(r.baselines || []);
  // Reports stored before the three-test verdict carry a bootstrap `interval` instead of returnLow/returnHigh.
  const low = (x) => x.returnLow != null ? x.returnLow : (x.interval ? x.interval.lower : null);
  const high = (x) => x.returnHigh != null ? x.returnHigh : (x.interval ? x.interval.upper : null);
  drawChart("bt-baselines-chart", {
    type: "bar",
    data: { labels: runs.map((x) => x.name), datasets: [
      { label: "return on cost after fees", data: runs.map((x) => x.returnOnCost == null ? null : x.returnOnCost), backgroundColor: runs.map((x, i) => i === 0 ? palette[0] : palette[7]) },
      { label: "95 % CI low (events)", data: runs.map(low), backgroundColor: palette[3] },
      { label: "95 % CI high (events)", data: runs.map(high), backgroundColor: palette[1] },
    ] },
    options: { scales: { x: axis("run"), y: axis("return on cost (1 = 100 %)") } },
  });
  const t = r.tests;
  $("bt-tests").innerHTML = t ? [
    [`After fees, events clustered`, `p = ${q(t.eventTest.pValue)} over ${t.eventTest.events} events, ${t.eventTest.markets} markets (≥ 10 events needed)`, t.eventTest.significant],
    [`Against every whale trade on the same markets`, `edge per share ${edgePct(t.paired.meanDifference)} higher, p = ${q(t.paired.pValue)} over ${t.paired.events} events`, t.paired.significant],
    [`Rank among ${t.rank.baskets} random baskets (by event-test p)`, `p ${t.rank.mainEventP == null ? "–" : q(t.rank.mainEventP)} vs their 5th percentile ${t.rank.randomEventP5 == null ? "–" : q(t.rank.randomEventP5)}; return ${pct(t.rank.mainReturn)} vs median ${t.rank.median == null ? "–" : pct(t.rank.median)}; p = ${q(t.rank.pValue)}`, t.rank.significant],
  ].map(([name, what, pass]) => `<tr><td>${esc(name)}</td><td>${esc(what)}</td><td class="${pass ? "up" : "down"}">${pass ? "pass" : "fail"}</td></tr>`).join("")
    : `<tr><td colspan="3" class="sub">This report predates the three-test verdict.</td></tr>`;
  $("bt-sensitivity").innerHTML = (r.sensitivity || []).map((x) => `<tr><td>+${x.extraCents} ¢</td><td class="num">${x.returnOnCost == null ? "–" : pct(x.returnOnCost)}</td>
    <td class="num">${q(x.eventPValue)}</td><td class="num">${q(x.pairedPValue)}</td><td class="num">${q(x.rankPValue)}</td><td>${x.edgeSignificant ? "yes" : "no"}</td></tr>`).join("");
  const wallets = (r.copyability || []).slice().sort((a, b) => b.keptEdge - a.keptEdge).slice(0, 20);
  drawChart("bt-wallets-chart", {
    type: "bar", empty: "no copied wallet had a resolved entry",
    data: { labels: wallets.map((w) => short(w.wallet)), datasets: [
      { label: "their edge", data: wallets.map((w) => w.theirEdge), backgroundColor: palette[7] },
      { label: "edge kept after delay and fee", data: wallets.map((w) => w.keptEdge), backgroundColor: wallets.map((w) => w.uncopyable ? palette[3] : palette[1]) },
    ] },
    options: { indexAxis: "y", scales: { x: axis("per share (price units)"), y: axis("wallet") } },
  });
  $("bt-summary").innerHTML = runs.map((x) => `<tr><td>${esc(x.name)}<div class="sub">${esc(x.note)}</div></td><td class="num">${x.basketSize}</td>
    <td class="num">${x.signals}</td><td class="num">${x.filledEntries}</td><td class="num">${usd(x.cost)}</td><td class="num">${usd(x.fees)}</td>
    <td class="num">${signed(x.pnl)}</td><td class="num">${x.returnOnCost == null ? "–" : pct(x.returnOnCost) + (low(x) != null ? ` (${pct(low(x))} … ${pct(high(x))}${x.events != null ? ", " + x.events + " events" : ""})` : "")}</td>
    <td>${x.edgeSignificant ? "yes" : "no"}</td></tr>`).join("");
}
