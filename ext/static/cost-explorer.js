/* Cost explorer: pick a model, a latency bound and a pricing model; rank configurations by cost.
 * Token rows can also be bounded by each user's speed (output tokens/s per user, 1000 / TPOT
 * P50: the row's tokens_per_user).
 *
 * Reads the JSON written at build time (ext/cost_explorer.py, schema version 3, data-src on
 * the container). A model is its catalog id, so its Inf1, Inf2, Trn1, GPU and CPU rows rank
 * together. The bound names what it bounds (per batch, TTFT, TPOT, per token); a row that does
 * not publish that latency is never ranked under it. Current rows rank by default; older ones
 * join when asked. Rows without a price are listed apart with the reason. Every number shown is
 * the display text the build wrote (the site's one rounding); the ranking uses the numbers.
 *
 * The whole state is in the page address (?model=...&latency=...&max-ms=...&pricing=...
 * &min-tps=...&older=1), so an answer is a link. Everything is built with createElement/textContent: no
 * data ever goes through innerHTML.
 */
(function () {
  "use strict";

  var SCHEMA_VERSION = 3;
  var PARAMS = ["model", "latency", "max-ms", "pricing", "per", "min-tps", "older"];
  /* perfcore/cost_rows.py TIE_LATENCY: the latency an exact cost tie is broken by. */
  var TIE_LATENCY = ["batch-p99", "token-p99", "tpot-p99", "ttft-p99"];
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function labelled(labelText, control) {
    var label = element("label");
    label.appendChild(element("span", null, labelText));
    label.appendChild(control);
    return label;
  }

  function setOptions(node, pairs, chosen) {
    while (node.firstChild) node.removeChild(node.firstChild);
    pairs.forEach(function (pair) {
      var option = element("option", null, pair[1]);
      option.value = pair[0];
      node.appendChild(option);
    });
    if (pairs.some(function (pair) { return pair[0] === chosen; })) node.value = chosen;
  }

  /* ------------------------------------------------------------------ state */

  /* The starting choice: the address first, then the page's directive options. */
  function initialState(container) {
    var query = new URLSearchParams(window.location.search);
    var data = container.dataset;
    function pick(name, fallback) {
      return query.has(name) ? query.get(name) : fallback;
    }
    return {
      model: pick("model", data.model || ""),
      latency: pick("latency", data.latency || ""),
      maxMs: pick("max-ms", data.maxMs || ""),
      pricing: pick("pricing", data.pricing || ""),
      per: pick("per", ""),
      minTps: pick("min-tps", data.minTps || ""),
      older: pick("older", "") === "1",
      fromAddress: PARAMS.some(function (name) { return query.has(name); })
    };
  }

  function writeAddress(state) {
    var query = new URLSearchParams(window.location.search);
    query.set("model", state.model);
    query.set("latency", state.latency);
    query.set("max-ms", state.maxMs.trim());  /* empty: no limit (not the page's bound) */
    query.set("pricing", state.pricing);
    query.set("per", state.per);
    query.set("min-tps", state.minTps.trim());  /* empty: no speed bound */
    query.set("older", state.older ? "1" : "0");
    var address = window.location.pathname + "?" + query.toString() + window.location.hash;
    window.history.replaceState(null, "", address);
  }

  function positiveNumber(text) {
    var trimmed = (text || "").trim();
    if (trimmed === "") return { trimmed: trimmed, number: null };
    var number = /^[+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(trimmed) ? Number(trimmed) : NaN;
    return { trimmed: trimmed, number: isFinite(number) && number > 0 ? number : NaN };
  }

  /* "" is no limit; anything else must be a positive number of milliseconds. */
  function parseBound(text) {
    var parsed = positiveNumber(text);
    if (parsed.number === null) return { limit: null };
    if (isNaN(parsed.number)) {
      return { error: "The latency bound must be a positive number of milliseconds; \u201c" +
        parsed.trimmed + "\u201d is not. Enter a number such as 10, or leave the field " +
        "empty for no limit." };
    }
    return { limit: parsed.number };
  }

  /* "" is no speed bound; anything else must be a positive number of tokens per second. */
  function parseSpeed(text) {
    var parsed = positiveNumber(text);
    if (parsed.number === null) return { minimum: null };
    if (isNaN(parsed.number)) {
      return { error: "The speed per user must be a positive number of output tokens per " +
        "second; \u201c" + parsed.trimmed + "\u201d is not. Enter a number such as 20, or " +
        "leave the field empty for no speed bound." };
    }
    return { minimum: parsed.number };
  }

  /* ---------------------------------------------------------------- ranking */

  /* A model by its id, or by any name its tables publish it under (case ignored). */
  function modelId(data, name) {
    if (!name || data.models[name]) return name;
    var folded = name.toLowerCase();
    var found = Object.keys(data.models).filter(function (id) {
      return id.toLowerCase() === folded || (data.models[id].published_as || []).some(
        function (alias) { return alias.toLowerCase() === folded; });
    });
    return found.length ? found[0] : name;
  }

  function rowsOf(data, model) {
    return data.rows.filter(function (row) { return row.model === model; });
  }

  function countsOf(rows) {
    return Array.from(new Set(rows.map(function (row) { return row.counts || row.unit; })));
  }

  function latencyKeys(data, rows) {
    return Object.keys(data.latency_metrics).filter(function (key) {
      return /-p(50|99)$/.test(key) && rows.some(function (row) {
        return isNumber(row.latency_ms[key]);
      });
    });
  }

  function tieLatency(row) {
    for (var i = 0; i < TIE_LATENCY.length; i++) {
      if (isNumber(row.latency_ms[TIE_LATENCY[i]])) return row.latency_ms[TIE_LATENCY[i]];
    }
    return null;
  }

  /* perfcore/cost_rows.py cost_order: cost, then higher throughput, lower latency, instance. */
  function costOrder(pricing) {
    return function (a, b) {
      var la = tieLatency(a), lb = tieLatency(b);
      return a.cost_per_1m[pricing] - b.cost_per_1m[pricing] ||
        (b.throughput || 0) - (a.throughput || 0) ||
        ((la === null) - (lb === null)) || (la || 0) - (lb || 0) ||
        collator.compare(a.instance, b.instance);
    };
  }

  /* Which rows rank, and why each other row does not. */
  function rank(rows, choice) {
    var result = { ranked: [], unpriced: [], noMetric: [], over: [], older: [], noSpeed: [],
                   slow: [] };
    rows.forEach(function (row) {
      if (row.older && !choice.older) { result.older.push(row); return; }
      if (!isNumber(row.cost_per_1m[choice.pricing])) { result.unpriced.push(row); return; }
      var latency = row.latency_ms[choice.latency];
      if (choice.limit !== null && !isNumber(latency)) { result.noMetric.push(row); return; }
      if (choice.limit !== null && latency > choice.limit) { result.over.push(row); return; }
      if (choice.minTps !== null && !isNumber(row.tokens_per_user)) {
        result.noSpeed.push(row);
        return;
      }
      if (choice.minTps !== null && row.tokens_per_user < choice.minTps) {
        result.slow.push(row);
        return;
      }
      result.ranked.push(row);
    });
    result.ranked.sort(costOrder(choice.pricing));
    return result;
  }

  /* ------------------------------------------------------------------- view */

  function buildControls(container, data) {
    var controls = {
      model: document.createElement("select"),
      per: document.createElement("select"),
      latency: document.createElement("select"),
      maxMs: document.createElement("input"),
      minTps: document.createElement("input"),
      pricing: document.createElement("select"),
      older: document.createElement("input")
    };
    controls.model.name = "model";
    controls.per.name = "per";
    controls.latency.name = "latency";
    controls.maxMs.name = "max-ms";
    controls.maxMs.type = "text";
    controls.maxMs.inputMode = "decimal";
    controls.maxMs.placeholder = "no limit";
    controls.minTps.name = "min-tps";
    controls.minTps.type = "text";
    controls.minTps.inputMode = "decimal";
    controls.minTps.placeholder = "no bound";
    controls.pricing.name = "pricing";
    controls.older.type = "checkbox";
    controls.older.name = "older";
    setOptions(controls.model, Object.keys(data.models).map(function (id) {
      var model = data.models[id];
      var facts = [model.family, model.params].filter(Boolean).join(", ");
      return [id, model.name + (facts ? " (" + facts + ")" : "")];
    }));
    setOptions(controls.pricing, data.pricing_models.map(function (m) { return [m, m]; }));

    var bar = element("div", "cost-explorer-controls");
    bar.appendChild(labelled("Model", controls.model));
    controls.perLabel = labelled("Cost per", controls.per);
    bar.appendChild(controls.perLabel);
    bar.appendChild(labelled("Latency bound on", controls.latency));
    bar.appendChild(labelled("Max latency (ms)", controls.maxMs));
    controls.minTpsLabel = labelled("Min output tokens/s per user", controls.minTps);
    controls.minTpsLabel.title = "1000 / TPOT P50: the median request's output tokens per " +
      "second after its first";
    bar.appendChild(controls.minTpsLabel);
    bar.appendChild(labelled("Pricing", controls.pricing));
    var older = element("label", "cost-explorer-older");
    older.appendChild(controls.older);
    older.appendChild(element("span", null, "Include older measurements"));
    bar.appendChild(older);
    container.appendChild(bar);
    return controls;
  }

  /* The answer first (instance, cost, the bound's latency), so a phone shows it unscrolled. */
  var COLUMNS = ["Rank", "Instance", "Cost per 1M", "Latency", "Throughput", "Batch size",
                 "Platform", "Version", "Note", "Output tokens/s per user"];
  var NUMERIC = [0, 2, 3, 4, 5, 9];
  var SPEED = 9;  /* shown for models whose rows have a speed per user */

  function buildTable(container, className, hiddenCaption) {
    var table = element("table", "docutils cost-explorer-table " + className);
    var caption = table.createCaption();
    if (hiddenCaption) caption.className = "visually-hidden";
    var head = table.createTHead().insertRow();
    COLUMNS.forEach(function (name) { head.appendChild(element("th", null, name)); });
    table.appendChild(document.createElement("tbody"));
    var wrapper = element("div", "table-wrapper container");
    wrapper.appendChild(table);
    container.appendChild(wrapper);
    return table;
  }

  function setHeaders(table, choice, data, unit) {
    var cells = table.tHead.rows[0].cells;
    cells[SPEED].hidden = !choice.speeds;
    cells[2].textContent = "Cost per 1M " + unit + " (" + choice.pricing + ")";
    cells[3].textContent = data.latency_metrics[choice.latency].label + " (ms)";
    cells[3].title = data.latency_metrics[choice.latency].meaning;
    cells[4].textContent = "Throughput (" + unit + "/s)";
  }

  function addRow(tbody, row, rankText, choice, note, cheapest) {
    var tr = tbody.insertRow();
    var display = row.display;
    var cells = [
      rankText, row.instance, display.cost_per_1m[choice.pricing],
      display.latency_ms[choice.latency] || "n/a", display.throughput,
      isNumber(row.batch_size) ? String(row.batch_size) : "n/a", row.platform || "",
      row.version || "not stated", note, (display.tokens_per_user || "n/a")
    ];
    var labels = tbody.parentNode.tHead.rows[0].cells;
    cells.forEach(function (text, i) {
      var td = tr.insertCell();
      td.textContent = text;
      td.setAttribute("data-label", labels[i].textContent); // card rows on phones (df-table.css)
      if (NUMERIC.indexOf(i) >= 0) td.className = "cost-explorer-number";
      if (i === SPEED) td.hidden = !choice.speeds;
    });
    tr.dataset.model = row.model;
    if (row.older) tr.classList.add("cost-explorer-older");
    if (cheapest) {
      tr.classList.add("cost-explorer-cheapest");
      tr.dataset.cheapest = "true";
      tr.cells[1].appendChild(element("span", "cost-explorer-badge", "cheapest"));
    }
  }

  function fill(table, rows, choice, notes, rankFrom) {
    var tbody = table.tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (row, i) {
      var rankText = rankFrom === null ? "\u2013" : String(rankFrom + i);
      addRow(tbody, row, rankText, choice, notes(row, choice.data),
             rankFrom !== null && i === 0);
    });
    table.closest(".table-wrapper").hidden = rows.length === 0;
  }

  function rankedNote(row, data) {
    var parts = [];
    if (row.older) parts.push("older measurement (not current)");
    if ((data.models[row.model].published_as || []).length > 1) {
      parts.push("published as " + row.published_as);
    }
    if (row.copies) parts.push("published " + (row.copies + 1) + " times with the same numbers");
    return parts.join("; ");
  }

  function boundText(choice, data) {
    var speed = choice.minTps === null ? "" : " and \u2265 " + choice.minTps +
      " output tokens/s per user";
    if (choice.limit === null) return "with no latency limit" + speed;
    return data.latency_metrics[choice.latency].label + " \u2264 " + choice.limit + " ms" + speed;
  }

  function summaryText(ranking, choice, data, name, unit) {
    var best = ranking.ranked[0];
    var bound = boundText(choice, data);
    if (!best) {
      return "No current, priced configuration of " + name + " meets " + bound + " under " +
        choice.pricing + " pricing.";
    }
    return "Cheapest for " + name + " (" + bound + ", " + choice.pricing + "): " +
      best.instance + (isNumber(best.batch_size) ? ", batch size " + best.batch_size : "") +
      " (" + (best.version || "version not stated") + "), " +
      best.display.cost_per_1m[choice.pricing] + " per 1M " + unit + ".";
  }

  function notesText(ranking, choice, data, name) {
    var label = data.latency_metrics[choice.latency].label;
    var older = ranking.older.length;
    var left = [];
    if (ranking.over.length) left.push(ranking.over.length + " over the bound");
    if (ranking.slow.length) {
      left.push(ranking.slow.length + " slower than " + choice.minTps +
        " output tokens/s per user");
    }
    if (ranking.noSpeed.length) {
      left.push(ranking.noSpeed.length + " without a speed per user (no TPOT P50)");
    }
    if (ranking.noMetric.length) {
      left.push(ranking.noMetric.length + " without a " + label + " latency (choose another " +
        "latency to bound)");
    }
    if (older) {
      left.push(older + " older measurement" + (older === 1 ? "" : "s") + " (tick \u201cInclude " +
        "older measurements\u201d to rank " + (older === 1 ? "it" : "them") + ")");
    }
    if (ranking.unpriced.length) {
      left.push(ranking.unpriced.length + " without a " + choice.pricing + " price (listed " +
        "apart)");
    }
    var notes = left.length ? ["Not ranked for " + name + ": " + left.join("; ") + "."] : [];
    var reasons = Array.from(new Set(ranking.ranked.concat(ranking.unpriced)
      .map(function (row) { return row.older; }).filter(Boolean)));
    reasons.forEach(function (reason) { notes.push("Older measurements: " + reason); });
    if (data.price_notes && data.price_notes[choice.pricing]) {
      notes.push("Prices: " + data.price_notes[choice.pricing].replace(/\.?$/, "."));
    }
    if (data.generated) notes.push("Data exported " + data.generated + ".");
    return notes.join(" ");
  }

  function readControls(view) {
    return {
      model: view.controls.model.value,
      per: view.controls.per.value,
      latency: view.controls.latency.value,
      maxMs: view.controls.maxMs.value,
      minTps: view.controls.minTps.value,
      pricing: view.controls.pricing.value,
      older: view.controls.older.checked
    };
  }

  /* The model's own choices: what its costs are per, and the latencies it publishes. */
  function refreshModelChoices(view, data, wanted) {
    var rows = rowsOf(data, view.controls.model.value);
    var counts = countsOf(rows);
    setOptions(view.controls.per, counts.map(function (c) { return [c, c]; }), wanted.per);
    view.controls.perLabel.hidden = counts.length < 2;
    var perRows = rows.filter(function (row) {
      return (row.counts || row.unit) === view.controls.per.value;
    });
    view.speeds = perRows.some(function (row) { return isNumber(row.tokens_per_user); });
    view.controls.minTpsLabel.hidden = !view.speeds;
    var keys = latencyKeys(data, perRows);
    if (keys.length === 0) keys = ["batch-p99"];
    /* A bound this model cannot use falls back to one of the same percentile (P99 first). */
    var percentile = /-p50$/.test(wanted.latency || "") ? "-p50" : "-p99";
    var fallback = keys.filter(function (key) { return key.slice(-4) === percentile; })[0];
    setOptions(view.controls.latency, keys.map(function (key) {
      return [key, data.latency_metrics[key].label];
    }), keys.indexOf(wanted.latency) >= 0 ? wanted.latency : fallback || keys[0]);
    return perRows;
  }

  function render(view, data) {
    var state = readControls(view);
    var rows = refreshModelChoices(view, data, state);
    state = readControls(view);
    writeAddress(state);
    var bound = parseBound(state.maxMs);
    /* a speed bound applies to rows with a speed per user; other models ignore it */
    var speed = view.speeds ? parseSpeed(state.minTps) : { minimum: null };
    var problem = bound.error || speed.error;
    view.error.hidden = !problem;
    view.error.textContent = problem || "";
    view.controls.maxMs.setAttribute("aria-invalid", bound.error ? "true" : "false");
    view.controls.minTps.setAttribute("aria-invalid", speed.error ? "true" : "false");
    var name = data.models[state.model].name;
    var unit = rows.length ? rows[0].unit : "inferences";
    var choice = { pricing: state.pricing, latency: state.latency, older: state.older,
                   limit: bound.error ? null : bound.limit,
                   minTps: speed.error ? null : speed.minimum, speeds: view.speeds, data: data };
    setHeaders(view.table, choice, data, unit);
    setHeaders(view.unpricedTable, choice, data, unit);
    if (problem) {
      fill(view.table, [], choice, rankedNote, 1);
      fill(view.unpricedTable, [], choice, rankedNote, null);
      view.summary.textContent = "No ranking: " + problem;
      view.note.textContent = "";
      return;
    }
    var ranking = rank(rows, choice);
    fill(view.table, ranking.ranked, choice, rankedNote, 1);
    fill(view.unpricedTable, ranking.unpriced, choice, function (row) {
      return "not ranked: " + (row.no_price[choice.pricing] || "no price");
    }, null);
    view.table.caption.textContent = "Configurations of " + name + " ranked by cost per 1M " +
      unit + " (" + choice.pricing + ")";
    view.unpricedTable.caption.textContent = "Not ranked: configurations of " + name +
      " without a " + choice.pricing + " price";
    view.summary.textContent = summaryText(ranking, choice, data, name, unit);
    view.note.textContent = notesText(ranking, choice, data, name);
  }

  function showError(container, message) {
    container.appendChild(element("p", "cost-explorer-error", message));
  }

  /* A choice the data lacks (from the page or the address) is said in place. */
  function applyState(container, view, state, data) {
    var said = [];
    function apply(control, value, what) {
      if (!value) return;
      var before = control.value;
      control.value = value;
      if (control.value !== value) {
        control.value = before;
        if (control.selectedIndex < 0) control.selectedIndex = 0;
        said.push((state.fromAddress ? "The address" : "This page") + " asks for the " + what +
          " \u201c" + value + "\u201d, which the cost data does not have; showing \u201c" +
          control.options[control.selectedIndex].textContent + "\u201d instead.");
      }
    }
    apply(view.controls.model, modelId(data, state.model), "model");
    apply(view.controls.pricing, state.pricing, "pricing model");
    view.controls.maxMs.value = state.maxMs;
    view.controls.minTps.value = state.minTps;
    view.controls.older.checked = state.older;
    refreshModelChoices(view, data, state);
    apply(view.controls.latency, state.latency, "latency bound");
    said.forEach(function (message) { showError(container, message); });
  }

  function start(container, data) {
    if (!data || data.schema_version !== SCHEMA_VERSION || !Array.isArray(data.rows) ||
        !Array.isArray(data.pricing_models) || !data.models || !data.latency_metrics) {
      showError(container, "The cost data has an unexpected shape (expected schema version " +
        SCHEMA_VERSION + ").");
      return;
    }
    if (data.rows.length === 0) {
      showError(container, "No cost data has been exported for this site yet.");
      return;
    }
    var view = { controls: buildControls(container, data) };
    applyState(container, view, initialState(container), data);
    view.error = element("p", "cost-explorer-error cost-explorer-bound-error");
    view.error.setAttribute("role", "alert");
    view.error.hidden = true;
    container.appendChild(view.error);
    view.summary = element("p", "cost-explorer-summary");
    view.summary.setAttribute("aria-live", "polite");
    container.appendChild(view.summary);
    view.table = buildTable(container, "cost-explorer-ranked", true);
    view.unpricedTable = buildTable(container, "cost-explorer-unpriced", false);
    view.note = element("p", "cost-explorer-note");
    container.appendChild(view.note);
    var update = function () { render(view, data); };
    ["model", "per", "latency", "pricing", "older"].forEach(function (key) {
      view.controls[key].addEventListener("change", update);
    });
    view.controls.maxMs.addEventListener("input", update);
    view.controls.minTps.addEventListener("input", update);
    update();
  }

  function load(container) {
    var src = container.dataset.src;
    fetch(src)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        try {
          start(container, data);
        } catch (error) {
          showError(container, "The cost explorer could not show the cost data: " +
            error.message);
        }
      }, function (error) {
        showError(container, "Could not load the cost data (" + src + "): " + error.message +
          ". Serve the site over HTTP (e.g. python -m http.server) rather than file://.");
      });
  }

  function loadAll() {
    document.querySelectorAll("div.cost-explorer[data-src]").forEach(load);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", loadAll);
  } else {
    loadAll();
  }
})();
