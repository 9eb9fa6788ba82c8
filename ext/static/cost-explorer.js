/* Cost explorer: pick model, latency SLA and pricing model; rank configurations by cost.
 *
 * Reads the JSON written at build time (ext/cost_explorer.py, data-src on the
 * container). Everything is built with createElement/textContent: no data ever
 * goes through innerHTML.
 */
(function () {
  "use strict";

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var PERCENTILES = [["p99", "P99"], ["p50", "P50"]];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function formatNumber(value, maxDigits) {
    if (!isNumber(value)) return "n/a";
    return value.toLocaleString("en-US", { maximumFractionDigits: maxDigits });
  }

  /* Small costs keep 3 significant figures ($0.0831), larger ones cents ($12.35). */
  function formatCost(value, currency) {
    if (!isNumber(value)) return "n/a";
    var options = Math.abs(value) >= 1
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : { maximumSignificantDigits: 3 };
    var text = value.toLocaleString("en-US", options);
    return currency === "USD" ? "$" + text : text + " " + currency;
  }

  function labelled(labelText, control) {
    var label = element("label");
    label.appendChild(element("span", null, labelText));
    label.appendChild(control);
    return label;
  }

  function select(options, chosen) {
    var node = document.createElement("select");
    options.forEach(function (pair) {
      var option = element("option", null, pair[1]);
      option.value = pair[0];
      node.appendChild(option);
    });
    if (options.some(function (pair) { return pair[0] === chosen; })) node.value = chosen;
    return node;
  }

  function buildControls(container, data) {
    var models = Array.from(new Set(data.rows.map(function (row) { return row.model; })))
      .sort(collator.compare);
    var controls = {
      model: select(models.map(function (m) { return [m, m]; }), container.dataset.model),
      sla: document.createElement("input"),
      percentile: select(PERCENTILES, container.dataset.percentile || "p99"),
      pricing: select(data.pricing_models.map(function (m) { return [m, m]; }),
                      container.dataset.pricing)
    };
    controls.sla.type = "number";
    controls.sla.min = "0";
    controls.sla.step = "any";
    controls.sla.placeholder = "no limit";
    controls.sla.value = container.dataset.slaMs || "";
    controls.model.name = "model";
    controls.sla.name = "sla-ms";
    controls.percentile.name = "percentile";
    controls.pricing.name = "pricing";

    var bar = element("div", "cost-explorer-controls");
    bar.appendChild(labelled("Model", controls.model));
    bar.appendChild(labelled("Max latency (ms)", controls.sla));
    bar.appendChild(labelled("Percentile", controls.percentile));
    bar.appendChild(labelled("Pricing", controls.pricing));
    container.appendChild(bar);
    return controls;
  }

  function readChoice(controls) {
    var sla = parseFloat(controls.sla.value);
    return {
      model: controls.model.value,
      sla: isNumber(sla) && sla > 0 ? sla : null,
      latencyKey: "latency_" + controls.percentile.value + "_ms",
      percentileLabel: controls.percentile.value.toUpperCase(),
      pricing: controls.pricing.value
    };
  }

  function latencyOrder(a, b) {
    if (isNumber(a) !== isNumber(b)) return isNumber(a) ? -1 : 1;
    return isNumber(a) ? a - b : 0;
  }

  /* Rows meeting the SLA: priced ones cheapest first, then unpriced ones. */
  function rank(rows, choice) {
    var forModel = rows.filter(function (row) { return row.model === choice.model; });
    var meeting = forModel.filter(function (row) {
      return choice.sla === null ||
        (isNumber(row[choice.latencyKey]) && row[choice.latencyKey] <= choice.sla);
    });
    var cost = function (row) { return row.cost_per_1m[choice.pricing]; };
    var priced = meeting.filter(function (row) { return isNumber(cost(row)); });
    /* perfcore/cost_rows.py cost_order: cost, then higher throughput, lower P99, instance. */
    priced.sort(function (a, b) {
      return cost(a) - cost(b) || (b.throughput || 0) - (a.throughput || 0) ||
        latencyOrder(a.latency_p99_ms, b.latency_p99_ms) ||
        collator.compare(a.instance, b.instance);
    });
    var unpriced = meeting.filter(function (row) { return !isNumber(cost(row)); });
    return { priced: priced, unpriced: unpriced, excluded: forModel.length - meeting.length };
  }

  var COLUMNS = ["Rank", "Instance", "Platform", "Batch size", "Throughput", "P50 (ms)",
                 "P99 (ms)", "Cost per 1M", "Source"];

  function buildTable(container) {
    var table = element("table", "docutils cost-explorer-table");
    table.createCaption().className = "visually-hidden";
    var head = table.createTHead().insertRow();
    COLUMNS.forEach(function (name) { head.appendChild(element("th", null, name)); });
    table.appendChild(document.createElement("tbody"));
    var wrapper = element("div", "table-wrapper container");
    wrapper.appendChild(table);
    container.appendChild(wrapper);
    return table;
  }

  function addRow(tbody, row, rankText, choice, currency, cheapest) {
    var tr = tbody.insertRow();
    var cells = [
      rankText, row.instance, row.platform || "", formatNumber(row.batch_size, 0),
      formatNumber(row.throughput, 2), formatNumber(row.latency_p50_ms, 2),
      formatNumber(row.latency_p99_ms, 2), formatCost(row.cost_per_1m[choice.pricing], currency),
      row.source || ""
    ];
    var labels = tbody.parentNode.tHead.rows[0].cells;
    cells.forEach(function (text, i) {
      var td = tr.insertCell();
      td.textContent = text;
      td.setAttribute("data-label", labels[i].textContent); // card rows on phones (df-table.css)
      if (i === 0 || (i >= 3 && i <= 7)) td.className = "cost-explorer-number";
    });
    if (cheapest) {
      tr.className = "cost-explorer-cheapest";
      tr.dataset.cheapest = "true";
      tr.cells[1].appendChild(element("span", "cost-explorer-badge", "cheapest"));
    }
  }

  function summaryText(ranking, choice, currency, unit) {
    var bound = choice.sla === null ? "with no latency limit"
      : choice.percentileLabel + " \u2264 " + choice.sla + " ms";
    var best = ranking.priced[0];
    if (!best) {
      return "No priced configuration of " + choice.model + " meets " + bound +
        " under " + choice.pricing + " pricing.";
    }
    return "Cheapest for " + choice.model + " (" + bound + ", " + choice.pricing + "): " +
      best.instance + (isNumber(best.batch_size) ? ", batch size " + best.batch_size : "") +
      ", " + formatCost(best.cost_per_1m[choice.pricing], currency) + " per 1M " + unit + ".";
  }

  function render(view, data) {
    var choice = readChoice(view.controls);
    var ranking = rank(data.rows, choice);
    var first = data.rows.find(function (row) { return row.model === choice.model; });
    var unit = first ? first.unit : "inferences";
    var currency = data.currency || "USD";

    var headers = view.table.tHead.rows[0].cells;
    headers[4].textContent = "Throughput (" + unit + "/s)";
    headers[7].textContent = "Cost per 1M " + unit + " (" + choice.pricing + ")";
    var tbody = view.table.tBodies[0];
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    ranking.priced.forEach(function (row, i) {
      addRow(tbody, row, String(i + 1), choice, currency, i === 0);
    });
    ranking.unpriced.forEach(function (row) {
      addRow(tbody, row, "\u2013", choice, currency, false);
    });

    view.table.caption.textContent = "Configurations of " + choice.model +
      " ranked by cost per 1M " + unit + " (" + choice.pricing + ")";
    view.summary.textContent = summaryText(ranking, choice, currency, unit);
    var notes = [];
    if (ranking.excluded) {
      notes.push(ranking.excluded + " configuration" + (ranking.excluded === 1 ? "" : "s") +
        " of " + choice.model + " exceed the limit or have no " + choice.percentileLabel +
        " latency and are not shown.");
    }
    if (data.price_notes && data.price_notes[choice.pricing]) {
      notes.push("Prices: " + data.price_notes[choice.pricing].replace(/\.?$/, "."));
    }
    if (data.generated) notes.push("Data exported " + data.generated + ".");
    view.note.textContent = notes.join(" ");
  }

  function showError(container, message) {
    container.appendChild(element("p", "cost-explorer-error", message));
  }

  /* A page's :model: / :pricing: that the data lacks is said in place (the build errs too). */
  function warnUnknownChoices(container, controls) {
    [["model", "model"], ["pricing", "pricing model"]].forEach(function (pair) {
      var wanted = container.dataset[pair[0]];
      if (wanted && controls[pair[0]].value !== wanted) {
        showError(container, "This page asks for the " + pair[1] + " \u201c" + wanted +
          "\u201d, which the cost data does not have; showing \u201c" +
          controls[pair[0]].value + "\u201d instead.");
      }
    });
  }

  function start(container, data) {
    if (!data || !Array.isArray(data.rows) || !Array.isArray(data.pricing_models)) {
      showError(container, "The cost data has an unexpected shape.");
      return;
    }
    if (data.rows.length === 0) {
      showError(container, "No cost data has been exported for this site yet.");
      return;
    }
    var view = { controls: buildControls(container, data) };
    warnUnknownChoices(container, view.controls);
    view.summary = element("p", "cost-explorer-summary");
    view.summary.setAttribute("aria-live", "polite");
    container.appendChild(view.summary);
    view.table = buildTable(container);
    view.note = element("p", "cost-explorer-note");
    container.appendChild(view.note);
    var update = function () { render(view, data); };
    ["model", "percentile", "pricing"].forEach(function (key) {
      view.controls[key].addEventListener("change", update);
    });
    view.controls.sla.addEventListener("input", update);
    update();
  }

  function load(container) {
    var src = container.dataset.src;
    fetch(src)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { start(container, data); })
      .catch(function (error) {
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
