/* The scorecard page: renders the embedded, published data for the chosen grain and period.
   Everything is built with createElement/textContent (never innerHTML), so names and texts
   from the configuration are shown as text and can never become markup. No network. */
(() => {
  "use strict";

  const data = JSON.parse(document.getElementById("scorecard-data").textContent);
  const meta = data.meta;
  const locale = meta.locale;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const SPARK_PERIODS = 12;
  const GRAIN_NAMES = { month: "Month", quarter: "Quarter", year: "Year" };
  const GRAIN_PLURAL = { month: "months", quarter: "quarters", year: "years" };
  // colour is never the only signal: every status has its own icon and words
  const STATUS = {
    green: { icon: "✓", label: "On target" },
    amber: { icon: "▲", label: "Near target" },
    red: { icon: "✕", label: "Off target" },
    no_data: { icon: "–", label: "No data" },
    no_target: { icon: "○", label: "No target" },
  };
  // pace in a running period: the projected status, in words for "will we make it?"
  const PACE = {
    green: { icon: "✓", label: "On track" },
    amber: { icon: "▲", label: "Slightly behind" },
    red: { icon: "✕", label: "Behind pace" },
    no_data: { icon: "–", label: "No data yet" },
    no_target: { icon: "○", label: "No target" },
  };
  // the published trend (already read through the KPI's direction), in words
  const TREND = { improving: "improving", worsening: "worsening", flat: "steady" };

  // ── small DOM helpers ────────────────────────────────────────────────────
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // ── formatting (Intl: the configured locale and currency) ───────────────
  const formats = new Map();
  function numberFormat(options) {
    const key = JSON.stringify(options);
    if (!formats.has(key)) formats.set(key, new Intl.NumberFormat(locale, options));
    return formats.get(key);
  }
  function unitOptions(kpi) {
    const d = kpi.decimals;
    // the published `decimals` pins the digits; otherwise a sensible default per unit
    const digits = (min, max) => ({ minimumFractionDigits: d ?? min, maximumFractionDigits: d ?? max });
    switch (kpi.unit) {
      case "currency":
        return { style: "currency", currency: kpi.currency || meta.currency, ...digits(0, 0) };
      case "percent":
        return { style: "unit", unit: "percent", ...digits(1, 1) };
      case "days":
        return { style: "unit", unit: "day", unitDisplay: "long", ...digits(0, 1) };
      default:
        return digits(0, 1);
    }
  }
  function formatValue(kpi, value) {
    return value === null || value === undefined ? "–" : numberFormat(unitOptions(kpi)).format(value);
  }
  function formatTarget(kpi, series, i) {
    if (kpi.direction === "in_range") {
      const low = series.low[i];
      const high = series.high[i];
      return low === null || high === null ? "–" : `${formatValue(kpi, low)} – ${formatValue(kpi, high)}`;
    }
    return formatValue(kpi, series.target[i]);
  }
  function formatRatio(value, signed) {
    if (value === null || value === undefined) return "–";
    return numberFormat({
      style: "percent",
      maximumFractionDigits: 1,
      minimumFractionDigits: 1,
      signDisplay: signed ? "exceptZero" : "auto",
    }).format(value);
  }
  // a percent KPI's change is a difference of percentages: percentage points, never a relative %
  function formatPoints(kpi, value, signed = true) {
    if (value === null || value === undefined) return "–";
    const d = kpi.decimals ?? 1;
    const text = numberFormat({ minimumFractionDigits: d, maximumFractionDigits: d, signDisplay: signed ? "exceptZero" : "auto" }).format(value);
    return `${text}\u00a0pp`;
  }
  function formatScore(score) {
    return score === null || score === undefined ? "–" : numberFormat({ maximumFractionDigits: 0 }).format(score);
  }
  // times in the business time zone, wherever the page is opened
  const dateTime = new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: meta.timezone,
  });
  const dayFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const monthFormat = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
  const shortMonth = new Intl.DateTimeFormat(locale, { month: "short", year: "2-digit", timeZone: "UTC" });
  function utcDate(iso) {
    return new Date(`${iso}T00:00:00Z`);
  }
  function periodLabel(grain, period, short) {
    const d = utcDate(period.start);
    if (grain === "month") return (short ? shortMonth : monthFormat).format(d);
    if (grain === "quarter") return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${d.getUTCFullYear()}`;
    return String(d.getUTCFullYear());
  }

  // ── state: grain and period, kept in the URL hash (#quarter/2026-07-01) ─
  function defaultState() {
    const grain = data.grains.month ? "month" : Object.keys(data.grains)[0];
    return { grain, index: data.grains[grain].default };
  }
  function stateFromHash() {
    const [grain, start] = decodeURIComponent(location.hash.slice(1)).split("/");
    const info = data.grains[grain];
    if (!info) return defaultState();
    const index = info.periods.findIndex((p) => p.start === start);
    return { grain, index: index >= 0 ? index : info.default };
  }
  function setState(state) {
    const period = data.grains[state.grain].periods[state.index];
    const hash = `#${state.grain}/${period.start}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
    render(state);
  }

  // ── header: controls and facts ───────────────────────────────────────────
  function controls(state) {
    const grains = h("div", { class: "grains", role: "radiogroup", "aria-label": "Grain" });
    for (const grain of Object.keys(data.grains)) {
      const checked = grain === state.grain;
      grains.append(
        h(
          "button",
          {
            type: "button",
            role: "radio",
            "aria-checked": checked ? "true" : "false",
            class: checked ? "grain active" : "grain",
            "data-grain": grain,
          },
          GRAIN_NAMES[grain] || grain
        )
      );
    }
    grains.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-grain]");
      if (!button) return;
      const grain = button.dataset.grain;
      setState({ grain, index: data.grains[grain].default });
    });
    const info = data.grains[state.grain];
    const select = h("select", { id: "period", "aria-label": "Period" });
    info.periods.forEach((period, i) => {
      const suffix = period.complete ? (period.provisional ? " (provisional)" : "") : " (in progress)";
      select.append(h("option", { value: i, selected: i === state.index }, periodLabel(state.grain, period) + suffix));
    });
    // newest first reads best in a long list
    select.append(...Array.from(select.options).reverse());
    select.value = String(state.index);
    select.addEventListener("change", () => setState({ grain: state.grain, index: Number(select.value) }));
    return h("div", { class: "controls" }, grains, h("label", { for: "period", class: "sr-only" }, "Period"), select);
  }

  function facts(state) {
    const period = data.grains[state.grain].periods[state.index];
    const gate = meta.gate;
    const freshness = h("ul", { class: "freshness" });
    for (const source of meta.freshness) {
      const lag = source.lag_days === null ? "" : ` · ${source.lag_days} ${source.lag_days === 1 ? "day" : "days"} behind`;
      const until = source.data_until ? dayFormat.format(utcDate(source.data_until)) : "no data yet";
      const extracted = source.last_extracted_at ? `last extracted ${dateTime.format(new Date(source.last_extracted_at))}` : "never extracted";
      freshness.append(
        h(
          "li",
          { "data-source": source.source, title: `${source.type}, ${extracted}` },
          h("strong", {}, source.source),
          ` until ${until}${lag}`
        )
      );
    }
    const periodState = !period.complete ? "in progress" : period.provisional ? "provisional" : "complete";
    return h(
      "dl",
      { class: "facts" },
      h("div", {}, h("dt", {}, "Period"), h("dd", { id: "period-shown" },
        `${periodLabel(state.grain, period)} `,
        h("span", { class: `tag ${periodState.replace(" ", "-")}` }, periodState))),
      h("div", {}, h("dt", {}, "Published"), h("dd", { id: "published-at" }, dateTime.format(new Date(meta.published_at)))),
      h("div", {}, h("dt", {}, "Quality gates"), h("dd", { id: "gate-status", class: gate.failed ? "bad" : "ok" },
        gate.failed ? `✕ ${gate.failed} checks failed` : `✓ passed (${gate.passed} checks)`)),
      h("div", { class: "wide" }, h("dt", {}, "Data freshness"), h("dd", {}, freshness))
    );
  }

  function staleRunWarning() {
    const run = meta.latest_run;
    if (!run || run.outcome === "published" || run.started_at <= meta.published_at) return null;
    return h(
      "p",
      { class: "warning", role: "alert" },
      `⚠ The latest run (${dateTime.format(new Date(run.started_at))}) failed; this page shows the scorecard published ${dateTime.format(new Date(meta.published_at))}.`
    );
  }

  // ── status and score pieces ──────────────────────────────────────────────
  function badge(status, extra) {
    const known = STATUS[status] || STATUS.no_data;
    return h(
      "span",
      { class: `badge status-${status}`, "data-status": status },
      h("span", { class: "icon", "aria-hidden": "true" }, known.icon),
      ` ${known.label}`,
      extra ? ` · ${extra}` : null
    );
  }
  function counts(series, i) {
    const parts = [
      ["green", series.green[i]],
      ["amber", series.amber[i]],
      ["red", series.red[i]],
      ["no_data", series.no_data[i]],
    ];
    if (series.no_target[i]) parts.push(["no_target", series.no_target[i]]);
    return h(
      "ul",
      { class: "counts" },
      parts.map(([status, n]) =>
        h("li", { class: `status-${status}`, "data-count": status },
          h("span", { class: "icon", "aria-hidden": "true" }, STATUS[status].icon),
          ` ${n} ${STATUS[status].label.toLowerCase()}`)
      )
    );
  }
  function running(state) {
    return !data.grains[state.grain].periods[state.index].complete;
  }
  // a roll-up's pace: its projected score and status, shown only while the period runs
  function rollupPace(series, i) {
    const status = series.projected_status[i] || "no_data";
    const known = PACE[status] || PACE.no_data;
    const score = series.projected_score[i];
    return h(
      "span",
      { class: `pace-badge status-${status}`, "data-projected-score": score ?? "",
        "data-projected-status": status, title: "Pace: the score the period is heading for at its current rate" },
      h("span", { class: "icon", "aria-hidden": "true" }, known.icon),
      ` ${known.label}`,
      score === null ? null : ` · projected ${formatScore(score)}`
    );
  }
  function scoreCard(title, attrs, series, i, level, pace) {
    return h(
      "article",
      { class: `score-card status-${series.status[i] || "no_data"}`, ...attrs },
      h(level, {}, title),
      h("p", { class: "score" }, h("span", { class: "score-value" }, formatScore(series.score[i])),
        h("span", { class: "score-max" }, " / 100")),
      badge(series.status[i] || "no_data"),
      pace ? h("p", { class: "projected" }, rollupPace(series, i)) : null,
      counts(series, i)
    );
  }

  function summary(state) {
    const i = state.index;
    const pace = running(state);
    const cards = h("div", { class: "cards" });
    cards.append(scoreCard("Overall", { id: "overall", "data-score": data.overall[state.grain].score[i] ?? "" },
      data.overall[state.grain], i, "h2", pace));
    for (const p of data.perspectives) {
      const series = data.perspective_scores[state.grain][p.id];
      cards.append(scoreCard(p.name, { "data-perspective": p.id, "data-score": series.score[i] ?? "" }, series, i, "h2", pace));
    }
    return h("section", { class: "summary", "aria-label": "Scores" }, cards);
  }

  // ── sparkline: the last 12 periods with the target line ─────────────────
  function sparkline(kpi, series, state) {
    const end = state.index;
    const start = Math.max(0, end - SPARK_PERIODS + 1);
    const periods = data.grains[state.grain].periods.slice(start, end + 1);
    const pick = (field) => series[field].slice(start, end + 1);
    const values = pick("value");
    const provisionalAt = pick("provisional");
    const guides = kpi.direction === "in_range" ? [pick("low"), pick("high")] : [pick("target")];
    const numbers = [...values, ...guides.flat()].filter((v) => v !== null);
    const described = periods
      .map((p, j) => `${periodLabel(state.grain, p, true)} ${formatValue(kpi, values[j])}`)
      .join(", ");
    const label = `${kpi.name}, last ${periods.length} ${GRAIN_PLURAL[state.grain]}: ${described}`;
    if (!numbers.length) return h("span", { class: "muted" }, "–");
    const W = 120, H = 32, pad = 3;
    let min = Math.min(...numbers), max = Math.max(...numbers);
    if (min === max) { min -= 1; max += 1; }
    const x = (j) => pad + (periods.length === 1 ? (W - 2 * pad) / 2 : (j * (W - 2 * pad)) / (periods.length - 1));
    const y = (v) => H - pad - ((v - min) / (max - min)) * (H - 2 * pad);
    const path = (points) => {
      let d = "", pen = false;
      points.forEach((v, j) => {
        if (v === null) { pen = false; return; }
        d += `${pen ? "L" : "M"}${x(j).toFixed(1)} ${y(v).toFixed(1)}`;
        pen = true;
      });
      return d;
    };
    const svg = s("svg", { class: "spark", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": label,
      "data-periods": periods.length },
      s("title", {}, label));
    for (const guide of guides) svg.append(s("path", { class: "target-line", d: path(guide) }));
    svg.append(s("path", { class: "value-line", d: path(values) }));
    values.forEach((v, j) => {
      if (v === null) return;
      // the KPI's own flag: provisional within the lookback of the sources feeding it
      const provisional = provisionalAt[j] ?? (periods[j].provisional || !periods[j].complete);
      const last = j === values.length - 1;
      if (last || provisional || values[j - 1] === null || values[j + 1] === null) {
        svg.append(s("circle", { cx: x(j).toFixed(1), cy: y(v).toFixed(1), r: last ? 2.6 : 1.8,
          class: provisional ? "point provisional" : "point" }));
      }
    });
    return svg;
  }

  // ── KPI rows ─────────────────────────────────────────────────────────────
  // change against the previous period: the arrow follows the value (up, down), its colour and
  // words follow the published trend (improving, worsening, steady), so it reads without colour
  function change(kpi, series, i) {
    const points = kpi.unit === "percent";
    const delta = series.change[i];
    const shown = points ? formatPoints(kpi, delta) : formatRatio(series.change_pct[i], true);
    const previous = series.previous[i];
    if (shown === "–") {
      return h("span", { class: "muted", title: previous === null ? "no previous value" : `previous: ${formatValue(kpi, previous)}` }, "–");
    }
    const up = delta > 0, down = delta < 0;
    const trend = series.trend[i];
    const tone = trend === "improving" ? "better" : trend === "worsening" ? "worse" : "neutral";
    const arrow = up ? "▲" : down ? "▼" : "▶";
    const size = points ? formatPoints(kpi, Math.abs(delta), false) : formatRatio(Math.abs(series.change_pct[i]));
    const moved = up ? `up ${size}` : down ? `down ${size}` : "unchanged";
    const word = TREND[trend] || "";
    const words = `${word ? `${word[0].toUpperCase()}${word.slice(1)}: ` : ""}${moved} on the previous period (${formatValue(kpi, previous)})`;
    return h("span", { class: `change ${tone}`, "data-trend": trend || "", title: words, "aria-label": words },
      h("span", { class: "delta", "aria-hidden": "true" }, `${arrow} ${shown}`),
      word ? h("span", { class: "trend-word", "aria-hidden": "true" }, word) : null);
  }

  // the same period a year earlier, and how far the value is from it (pp for a percent KPI)
  function lastYear(kpi, series, i) {
    const yoy = series.yoy[i];
    if (yoy === null) return h("span", { class: "muted", title: "no value for the same period last year" }, "–");
    const value = series.value[i];
    const points = kpi.unit === "percent";
    const diff = points
      ? value === null ? "–" : formatPoints(kpi, value - yoy)
      : formatRatio(series.yoy_change_pct[i], true);
    const words = `Same period last year: ${formatValue(kpi, yoy)}${diff === "–" ? "" : `; now ${diff}`}`;
    return h("span", { class: "yoy", title: words, "aria-label": words },
      h("span", { class: "yoy-value", "aria-hidden": "true" }, formatValue(kpi, yoy)),
      diff === "–" ? null : h("span", { class: "yoy-change", "aria-hidden": "true" }, diff));
  }

  // pace in a running period: "Day 22 of 30 · target to date 807 · projected 1,100 · ✓ On track"
  function paceRow(kpi, series, i, columns) {
    const status = series.projected_status[i] || "no_data";
    const known = PACE[status] || PACE.no_data;
    const part = (cls, attrs, ...text) => h("span", { class: cls, ...attrs }, ...text);
    const parts = [];
    const elapsed = series.elapsed_days[i], days = series.period_days[i];
    if (elapsed !== null && days !== null) parts.push(part("pace-day", {}, `Day ${elapsed} of ${days}`));
    if (status !== "no_data") {
      if (series.target_to_date[i] !== null) {
        parts.push(part("pace-to-date", {}, `target to date ${formatValue(kpi, series.target_to_date[i])}`));
      }
      parts.push(part("pace-projected", {}, `projected ${formatValue(kpi, series.projected[i])}`));
    }
    parts.push(part(`pace-status status-${status}`, {},
      h("span", { class: "icon", "aria-hidden": "true" }, known.icon), ` ${known.label}`));
    const line = [];
    parts.forEach((p, n) => line.push(n ? " · " : null, p));
    return h(
      "tr",
      { class: `pace-row status-${status}`, "data-pace-for": kpi.id, "data-projected-status": status,
        "data-elapsed-days": elapsed ?? "", "data-period-days": days ?? "",
        "data-target-to-date": series.target_to_date[i] ?? "", "data-projected": series.projected[i] ?? "" },
      h("td", { colspan: columns }, h("span", { class: "pace-label" }, "Pace: "), line)
    );
  }

  // ── drill-down: a KPI published by dimension (kpis.breakdowns), per member ──
  // Members are sorted by the size of their contribution (|contribution| descending, ties by
  // name, members without one last); the first DRILL_TOP are listed, the rest summed in "Other".
  const DRILL_TOP = 5;
  const open = new Set(); // "kpi|dimension" of the open panels, kept across period switches
  function humanise(name) {
    const words = String(name).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  // a contribution (and a member's change for a percent KPI) is a part of the KPI's change: in
  // its unit (pp for a percent KPI, else the value's unit), with one more decimal than the KPI
  // shows, so small parts of a small change do not all read 0
  function formatPart(kpi, value) {
    if (value === null || value === undefined) return "–";
    if (kpi.unit === "percent") {
      const d = (kpi.decimals ?? 1) + 1;
      const text = numberFormat({ minimumFractionDigits: d, maximumFractionDigits: d, signDisplay: "exceptZero" }).format(value);
      return `${text}\u00a0pp`;
    }
    return numberFormat({ ...unitOptions(kpi), signDisplay: "exceptZero" }).format(value);
  }
  function membersOf(kpi, dimension, grain, i) {
    const members = ((data.kpi_breakdowns[grain] || {})[kpi.id] || {})[dimension] || {};
    const rows = [];
    for (const [member, series] of Object.entries(members)) {
      const value = series.value[i], previous = series.previous[i], contribution = series.contribution[i];
      if (value === null && previous === null && contribution === null) continue;
      rows.push({ member, value, previous, change_pct: series.change_pct[i], contribution });
    }
    rows.sort((a, b) => {
      if (a.contribution === null || b.contribution === null) {
        if (a.contribution !== b.contribution) return a.contribution === null ? 1 : -1;
      } else if (Math.abs(b.contribution) !== Math.abs(a.contribution)) {
        return Math.abs(b.contribution) - Math.abs(a.contribution);
      }
      return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
    });
    return rows;
  }
  function memberChange(kpi, m) {
    if (kpi.unit === "percent") {
      return m.value === null || m.previous === null ? "–" : formatPart(kpi, m.value - m.previous);
    }
    return formatRatio(m.change_pct, true);
  }
  function drillButton(kpi, dimension) {
    const key = `${kpi.id}|${dimension}`;
    const id = `drill-${kpi.id}-${dimension}`;
    const button = h("button", { type: "button", class: "drill", "aria-expanded": open.has(key) ? "true" : "false",
      "aria-controls": id, "data-drill": kpi.id, "data-dimension": dimension }, `By ${humanise(dimension).toLowerCase()}`);
    button.addEventListener("click", () => {
      const expanded = button.getAttribute("aria-expanded") !== "true";
      if (expanded) open.add(key); else open.delete(key);
      button.setAttribute("aria-expanded", expanded ? "true" : "false");
      const panel = document.getElementById(id);
      panel.hidden = !expanded;
      panel.classList.toggle("open", expanded);
    });
    return button;
  }
  function drillRow(kpi, dimension, state, columns) {
    const key = `${kpi.id}|${dimension}`;
    const rows = membersOf(kpi, dimension, state.grain, state.index);
    const period = periodLabel(state.grain, data.grains[state.grain].periods[state.index]);
    const label = humanise(dimension);
    let body;
    if (!rows.length) {
      body = h("p", { class: "muted" }, `No ${label.toLowerCase()} figures for ${period}.`);
    } else {
      const shown = rows.slice(0, DRILL_TOP);
      const rest = rows.slice(DRILL_TOP);
      const tr = (attrs, name, value, change, contribution) =>
        h("tr", attrs, h("th", { scope: "row" }, name), h("td", { class: "num member-value" }, value),
          h("td", { class: "num member-change" }, change), h("td", { class: "num member-contribution" }, contribution));
      const lines = shown.map((m) => tr({ "data-member": m.member, "data-contribution": m.contribution ?? "" },
        m.member, formatValue(kpi, m.value), memberChange(kpi, m), formatPart(kpi, m.contribution)));
      if (rest.length) {
        const sum = rest.reduce((total, m) => total + (m.contribution ?? 0), 0);
        lines.push(tr({ class: "other", "data-member": "", "data-contribution": sum },
          `Other (${rest.length})`, "–", "–", formatPart(kpi, sum)));
      }
      body = h("table", { class: "drill-table" },
        h("caption", {}, `${kpi.name} by ${label.toLowerCase()}, ${period}`),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, label), h("th", { scope: "col", class: "num" }, "Value"),
          h("th", { scope: "col", class: "num" }, "Change"), h("th", { scope: "col", class: "num" }, "Contribution to change"))),
        h("tbody", {}, lines));
    }
    const expanded = open.has(key);
    return h("tr", { id: `drill-${kpi.id}-${dimension}`, class: expanded ? "drill-row open" : "drill-row",
      hidden: !expanded, "data-drill-for": kpi.id, "data-dimension": dimension },
      h("td", { colspan: columns }, body));
  }
  // for a red or amber KPI whose value fell: the member that explains most of the fall
  function drillSentence(kpi, series, state, status) {
    const i = state.index;
    const delta = series.change[i];
    if (!(status === "red" || status === "amber") || delta === null || !(delta < 0)) return null;
    for (const dimension of kpi.breakdowns) {
      const worst = membersOf(kpi, dimension, state.grain, i)
        .filter((m) => m.contribution !== null && m.contribution < 0)
        .sort((a, b) => a.contribution - b.contribution)[0];
      if (!worst) continue;
      const size = formatPart(kpi, -delta).replace(/^\+/, ""); // "fell 0.06 pp", no sign
      return `${kpi.name} fell ${size}; ${worst.member} explains ${formatPart(kpi, worst.contribution)}.`;
    }
    return null;
  }

  // ── comments and actions: what owners wrote about the period, what they are doing ──
  const ACTION_STATUS = { open: "open", in_progress: "in progress" };
  // a comment on the selected period, or on a day or week inside it (those grains have no view)
  function commentsFor(kpi, grain, period) {
    return (data.kpi_comments[kpi.id] || []).filter((c) =>
      c.grain === grain
        ? c.start === period.start
        : (c.grain === "day" || c.grain === "week") && c.start >= period.start && c.start <= period.end
    );
  }
  function commentPeriod(c) {
    if (c.grain === "day") return dayFormat.format(utcDate(c.start));
    if (c.grain === "week") return `week of ${dayFormat.format(utcDate(c.start))}`;
    return null;
  }
  function notesRow(kpi, state, columns) {
    const period = data.grains[state.grain].periods[state.index];
    const comments = commentsFor(kpi, state.grain, period);
    const actions = data.kpi_actions[kpi.id] || [];
    if (!comments.length && !actions.length) return null;
    // every text here comes from a sheet: h() appends it as a text node, never as markup
    const said = comments.length
      ? h("div", { class: "comments" },
        h("strong", {}, comments.length === 1 ? "Comment" : "Comments"),
        h("ul", {}, comments.map((c) => {
          const about = commentPeriod(c);
          const by = [c.author, about, c.written_on ? `written ${dayFormat.format(utcDate(c.written_on))}` : null]
            .filter(Boolean).join(", ");
          return h("li", { class: "comment", "data-author": c.author, "data-grain": c.grain },
            h("p", { class: "comment-text" }, c.text),
            h("p", { class: "comment-by" }, `— ${by}`));
        })))
      : null;
    const doing = actions.length
      ? h("div", { class: "tracked-actions" },
        h("strong", {}, "Open actions"),
        h("ul", {}, actions.map((a) =>
          h("li", { class: a.overdue ? "tracked-action overdue" : "tracked-action", "data-overdue": a.overdue ? "true" : "false",
            "data-status": a.status, "data-due": a.due },
            h("span", { class: "action-text" }, a.action),
            h("span", { class: "action-meta" },
              ` · ${a.owner} · ${ACTION_STATUS[a.status] || a.status} · due ${dayFormat.format(utcDate(a.due))}`),
            // not by colour alone: an icon and the word
            a.overdue ? h("span", { class: "tag overdue" }, h("span", { "aria-hidden": "true" }, "⚠"), " overdue") : null))))
      : null;
    return h("tr", { class: "notes-row", "data-notes-for": kpi.id },
      h("td", { colspan: columns }, h("div", { class: "notes" }, said, doing)));
  }

  function kpiRows(kpi, state, columns) {
    const i = state.index;
    const series = data.kpi_values[state.grain][kpi.id];
    const period = data.grains[state.grain].periods[i];
    const status = series.status[i] || "no_data";
    const provisional = series.provisional[i] ?? (period.provisional || !period.complete);
    const value = series.value[i];
    const row = h(
      "tr",
      { class: `kpi status-${status}`, "data-kpi-id": kpi.id, "data-status": status },
      h("th", { scope: "row", class: "kpi-name" }, h("span", { title: kpi.description || null }, kpi.name),
        kpi.description ? h("span", { class: "description" }, kpi.description) : null,
        kpi.breakdowns.length ? h("span", { class: "drills" }, kpi.breakdowns.map((d) => drillButton(kpi, d))) : null),
      h("td", { class: "value num", "data-value": value ?? "" }, formatValue(kpi, value),
        provisional && value !== null ? h("span", { class: "tag provisional", title: "Provisional: the period is recent and its numbers may still change" }, "provisional") : null),
      h("td", { class: "target num", "data-target": series.target[i] ?? "" }, formatTarget(kpi, series, i)),
      h("td", { class: "attainment num", "data-attainment": series.attainment[i] ?? "" }, formatRatio(series.attainment[i])),
      h("td", { class: "status" }, badge(status)),
      h("td", { class: "change-cell num" }, change(kpi, series, i)),
      h("td", { class: "yoy-cell num", "data-yoy": series.yoy[i] ?? "" }, lastYear(kpi, series, i)),
      h("td", { class: "spark-cell" }, sparkline(kpi, series, state)),
      h("td", { class: "owner" }, kpi.owner || "–")
    );
    const rows = [row];
    if (!period.complete) rows.push(paceRow(kpi, series, i, columns));
    const notes = notesRow(kpi, state, columns);
    if (notes) rows.push(notes);
    const sentence = kpi.breakdowns.length ? drillSentence(kpi, series, state, status) : null;
    if (sentence) {
      rows.push(h("tr", { class: `explain-row status-${status}`, "data-explain-for": kpi.id },
        h("td", { colspan: columns }, sentence)));
    }
    for (const dimension of kpi.breakdowns) rows.push(drillRow(kpi, dimension, state, columns));
    // in a running period a KPI needs action when it is behind pace, not when its part-period
    // value falls short of the whole period's target (on the 3rd every sum KPI would)
    const flag = period.complete ? status : series.projected_status[i] || "no_data";
    if (flag === "red" || flag === "amber") {
      rows.push(
        h("tr", { class: `actions-row status-${flag}`, "data-actions-for": kpi.id },
          h("td", { colspan: columns },
            // the KPI's standing playbook (its configured `actions:`), not the tracked ones
            h("strong", {}, "Playbook: "),
            kpi.actions.length
              ? h("ul", { class: "actions" }, kpi.actions.map((a) => h("li", {}, a)))
              : h("span", { class: "muted" }, "none defined for this KPI yet.")))
      );
    }
    return rows;
  }

  function objectiveBlock(objective, state) {
    const series = data.objective_scores[state.grain][objective.id];
    const i = state.index;
    const kpis = data.kpis.filter((k) => k.objective === objective.id);
    const columns = ["KPI", "Value", "Target", "Attainment", "Status", "Change", "Last year", `Last ${SPARK_PERIODS}`, "Owner"];
    const head = h("tr", {}, ...columns.map((c) => h("th", { scope: "col" }, c)));
    // one set of column widths, so the tables of every objective line up
    const widths = h("colgroup", {}, ...columns.map((_, n) => h("col", { class: `c${n}` })));
    const body = h("tbody", {});
    for (const kpi of kpis) body.append(...kpiRows(kpi, state, columns.length));
    return h(
      "section",
      { class: "objective", "data-objective": objective.id },
      h("h3", {}, objective.name, " ", badge(series.status[i] || "no_data", `score ${formatScore(series.score[i])}`),
        running(state) ? rollupPace(series, i) : null),
      objective.description ? h("p", { class: "muted" }, objective.description) : null,
      kpis.length
        ? h("table", { class: "kpis" }, widths, h("thead", {}, head), body)
        : h("p", { class: "muted" }, "No KPIs measure this objective yet.")
    );
  }

  function perspectiveBlock(perspective, state) {
    const objectives = data.objectives.filter((o) => o.perspective === perspective.id);
    const series = data.perspective_scores[state.grain][perspective.id];
    return h(
      "section",
      { class: "perspective", "data-perspective": perspective.id, "aria-labelledby": `p-${perspective.id}` },
      h("h2", { id: `p-${perspective.id}` }, perspective.name, " ",
        h("span", { class: "perspective-score" }, `score ${formatScore(series.score[state.index])}`),
        running(state) ? [" ", rollupPace(series, state.index)] : null),
      objectives.length
        ? objectives.map((o) => objectiveBlock(o, state))
        : h("p", { class: "muted" }, "No objectives in this perspective yet.")
    );
  }

  // ── strategy map: objectives in perspective rows, `drives` as arrows ────
  function wrap(text, width) {
    const words = text.split(/\s+/);
    const lines = [""];
    for (const word of words) {
      const line = lines[lines.length - 1];
      if (line && (line + " " + word).length > width) lines.push(word);
      else lines[lines.length - 1] = line ? `${line} ${word}` : word;
    }
    if (lines.length > 2) lines.splice(2, lines.length, `${lines[1]} …`.slice(0, width));
    return lines;
  }
  function strategyMap(state) {
    const W = 1000, rowH = 118, labelW = 140, boxH = 66, gap = 18;
    const H = rowH * data.perspectives.length;
    const svg = s("svg", { class: "map", viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-labelledby": "map-title map-desc", preserveAspectRatio: "xMidYMin meet" });
    svg.append(s("title", { id: "map-title" }, "Strategy map"));
    const links = [];
    const boxes = new Map();
    data.perspectives.forEach((p, r) => {
      const y0 = r * rowH;
      svg.append(s("rect", { class: `map-row ${r % 2 ? "odd" : "even"}`, x: 0, y: y0, width: W, height: rowH }));
      svg.append(s("text", { class: "map-label", x: 12, y: y0 + rowH / 2, "dominant-baseline": "middle" }, p.name));
      const row = data.objectives.filter((o) => o.perspective === p.id);
      const free = W - labelW - gap;
      const boxW = Math.min(230, (free - gap * row.length) / Math.max(row.length, 1));
      const used = row.length * boxW + (row.length - 1) * gap;
      let x = labelW + (free - used) / 2;
      for (const o of row) {
        boxes.set(o.id, { x, y: y0 + (rowH - boxH) / 2, w: boxW, h: boxH, objective: o });
        x += boxW + gap;
      }
    });
    const arrows = s("g", { class: "links" });
    for (const o of data.objectives) {
      for (const target of o.drives) {
        const a = boxes.get(o.id), b = boxes.get(target);
        if (!a || !b) continue;
        links.push(`${a.objective.name} drives ${b.objective.name}`);
        let x1 = a.x + a.w / 2, y1, x2 = b.x + b.w / 2, y2;
        if (b.y < a.y) { y1 = a.y; y2 = b.y + b.h; }
        else if (b.y > a.y) { y1 = a.y + a.h; y2 = b.y; }
        else {
          y1 = y2 = a.y + a.h / 2;
          x1 = b.x > a.x ? a.x + a.w : a.x;
          x2 = b.x > a.x ? b.x : b.x + b.w;
        }
        const my = (y1 + y2) / 2;
        const d = y1 === y2 ? `M${x1} ${y1}L${x2} ${y2}` : `M${x1} ${y1}C${x1} ${my} ${x2} ${my} ${x2} ${y2}`;
        arrows.append(s("path", { class: "link", d, "marker-end": "url(#arrow)", "data-from": o.id, "data-to": target }));
      }
    }
    svg.append(
      s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        s("path", { d: "M0 0L10 5L0 10z", class: "arrow-head" })))
    );
    svg.append(arrows);
    const descriptions = [];
    for (const [id, box] of boxes) {
      const series = data.objective_scores[state.grain][id];
      const status = series.status[state.index] || "no_data";
      const known = STATUS[status];
      const chars = Math.max(8, Math.floor(box.w / 8.2)); // bold 13px: about 8px a character
      const lines = wrap(box.objective.name, chars);
      const g = s("g", { class: `map-objective status-${status}`, "data-objective": id, "data-status": status });
      g.append(s("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 8 }));
      const text = s("text", { x: box.x + box.w / 2, y: box.y + 20, "text-anchor": "middle", class: "map-name" });
      lines.forEach((line, n) => text.append(s("tspan", { x: box.x + box.w / 2, dy: n ? 15 : 0 }, line)));
      g.append(text);
      g.append(s("text", { x: box.x + box.w / 2, y: box.y + box.h - 10, "text-anchor": "middle", class: "map-status" },
        `${known.icon} ${known.label} · ${formatScore(series.score[state.index])}`));
      svg.append(g);
      descriptions.push(`${box.objective.name}: ${known.label}`);
    }
    const desc = s("desc", { id: "map-desc" }, [...descriptions, ...links].join(". "));
    svg.insertBefore(desc, svg.firstChild.nextSibling);
    return h(
      "section",
      { class: "strategy-map", "aria-labelledby": "map-heading" },
      h("h2", { id: "map-heading" }, "Strategy map"),
      h("p", { class: "muted" }, "Objectives by perspective; arrows point from an objective to the one it drives."),
      svg,
      h("ul", { class: "sr-only" }, links.map((l) => h("li", {}, l)))
    );
  }

  // ── the page ─────────────────────────────────────────────────────────────
  function render(state) {
    const app = document.getElementById("app");
    const header = document.getElementById("controls");
    header.replaceChildren(controls(state), facts(state));
    app.replaceChildren(
      ...[
        staleRunWarning(),
        summary(state),
        strategyMap(state),
        ...data.perspectives.map((p) => perspectiveBlock(p, state)),
      ].filter(Boolean)
    );
    document.body.dataset.grain = state.grain;
    document.body.dataset.period = data.grains[state.grain].periods[state.index].start;
  }

  window.addEventListener("hashchange", () => render(stateFromHash()));
  render(stateFromHash());
  performance.mark("scorecard-drawn"); // time to first full draw, for benchmarks/report.py
  document.documentElement.dataset.ready = "true";
})();
