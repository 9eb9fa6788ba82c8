/* Interactive df-tables: sort by any column, filter rows, download as CSV.
 *
 * Enhances every <table class="df-table"> on the page. The server-rendered
 * table is the source of truth: controls are only added here, so without
 * JavaScript the table reads as written. Data is only ever read with
 * textContent and written with createElement/textContent (never innerHTML),
 * so markup inside a CSV cell cannot run.
 */
(function () {
  "use strict";

  /* perfcore/ordering.py NOT_A_VALUE: no value, sorted last in either direction. */
  var MISSING = new Set(["", "n/a", "na", "nan", "none", "null", "-", "\u2014", "\u2013", "oom",
                         "failed", "timeout", "skipped", "compile_failed"]);
  var NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellText(cell) {
    return (cell ? cell.textContent : "").replace(/\s+/g, " ").trim();
  }

  function isMissing(text) {
    return MISSING.has(text.toLowerCase());
  }

  /* "$1,234.5" -> 1234.5, "12.3%" -> 12.3, "-1" -> -1; NaN when not a number. */
  function parseNumber(text) {
    var cleaned = text.replace(/[$€£¥,\s\u00a0%]/g, "");
    return NUMBER_RE.test(cleaned) ? parseFloat(cleaned) : NaN;
  }

  function bodyRows(table) {
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (tbody) {
      Array.prototype.forEach.call(tbody.rows, function (row) { rows.push(row); });
    });
    return rows;
  }

  function headerCells(table) {
    var head = table.tHead;
    if (!head || head.rows.length === 0) return [];
    return Array.prototype.slice.call(head.rows[head.rows.length - 1].cells);
  }

  /* Cell texts read once: the server-rendered cells never change. */
  function readTexts(rows) {
    var texts = new Map();
    rows.forEach(function (row) {
      texts.set(row, Array.prototype.map.call(row.cells, cellText));
    });
    return texts;
  }

  function columnIsNumeric(state, index) {
    var rows = state.rows;
    var seen = false;
    for (var i = 0; i < rows.length; i++) {
      var text = state.texts.get(rows[i])[index] || "";
      if (isMissing(text)) continue;
      if (isNaN(parseNumber(text))) return false;
      seen = true;
    }
    return seen;
  }

  /* Missing values go last whichever the direction; ties keep the original order. */
  function sortKeyCompare(numeric, direction) {
    return function (a, b) {
      if (a.missing !== b.missing) return a.missing ? 1 : -1;
      var order = 0;
      if (!a.missing) {
        order = numeric ? a.value - b.value : collator.compare(a.value, b.value);
      }
      return order !== 0 ? order * direction : a.position - b.position;
    };
  }

  function sortTable(state, index, ascending) {
    var rows = state.rows;
    var numeric = columnIsNumeric(state, index);
    var keyed = rows.map(function (row) {
      var text = state.texts.get(row)[index] || "";
      var missing = isMissing(text);
      return {
        row: row,
        missing: missing,
        value: missing ? null : (numeric ? parseNumber(text) : text),
        position: state.originalOrder.get(row)
      };
    });
    keyed.sort(sortKeyCompare(numeric, ascending ? 1 : -1));
    var tbody = state.table.tBodies[0];
    var ordered = document.createDocumentFragment();
    keyed.forEach(function (entry) { ordered.appendChild(entry.row); });
    tbody.appendChild(ordered);
    state.rows = keyed.map(function (entry) { return entry.row; });
    state.headers.forEach(function (th, i) {
      if (i === index) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    state.sorted = { index: index, ascending: ascending };
  }

  function makeSortable(state) {
    state.headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "df-table-sort";
      // a <button> holds phrasing content only: unwrap docutils' <p> in header cells
      Array.prototype.slice.call(th.childNodes).forEach(function (node) {
        if (node.nodeName === "P") {
          while (node.firstChild) button.appendChild(node.firstChild);
          th.removeChild(node);
        } else {
          button.appendChild(node);
        }
      });
      var indicator = document.createElement("span");
      indicator.className = "df-table-sort-indicator";
      indicator.setAttribute("aria-hidden", "true");
      button.appendChild(indicator);
      button.title = "Sort by " + state.labels[index];
      button.addEventListener("click", function () {
        var again = state.sorted && state.sorted.index === index;
        sortTable(state, index, again ? !state.sorted.ascending : true);
      });
      th.appendChild(button);
    });
  }

  function applyFilter(state, query) {
    var needle = query.trim().toLowerCase();
    var shown = 0;
    state.rows.forEach(function (row) {
      var match = needle === "" || state.searchText.get(row).indexOf(needle) !== -1;
      row.hidden = !match;
      if (match) shown++;
    });
    state.count.textContent = shown + " of " + state.rows.length + " rows";
  }

  /* A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
   * apostrophe, as spreadsheets expect; plain numbers such as -1 or +2.5% stay numbers. */
  var FORMULA_START = /^[\s]*[=+\-@\t\r]/;
  var PLAIN_NUMBER = /^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$/;

  function neutralised(text) {
    return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? "'" + text : text;
  }

  function csvField(raw) {
    var text = neutralised(raw);
    return /[",\r\n]|^\s|\s$/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  /* The rows currently shown, in the order shown, under the original header labels. */
  function tableCsv(state) {
    var lines = [];
    if (state.labels.length) lines.push(state.labels.map(csvField).join(","));
    state.rows.forEach(function (row) {
      if (row.hidden) return;
      lines.push(state.texts.get(row).map(csvField).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  }

  /* caption, else a given table id, else "<section id>-table-<n>", else "table-<n>" */
  function csvFileName(table, position) {
    var caption = table.caption
      ? slug(cellText(table.caption.querySelector(".caption-text") || table.caption)) : "";
    if (caption) return caption + ".csv";
    // docutils' automatic ids (id1, id2, ...) say nothing about the table
    if (slug(table.id) && !/^id\d+$/.test(table.id)) return slug(table.id) + ".csv";
    var section = table.closest("section[id]");
    var prefix = section && slug(section.id) ? slug(section.id) + "-" : "";
    return prefix + "table-" + position + ".csv";
  }

  function makeDownloadLink(state, position) {
    var link = document.createElement("a");
    link.className = "df-table-download";
    link.href = "#";
    link.textContent = "Download CSV";
    link.title = "Download the rows shown as CSV";
    link.setAttribute("download", csvFileName(state.table, position));
    link.addEventListener("click", function () {
      if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
      var blob = new Blob([tableCsv(state)], { type: "text/csv;charset=utf-8" });
      state.objectUrl = URL.createObjectURL(blob);
      link.href = state.objectUrl; // the default action follows the updated href
    });
    return link;
  }

  function makeToolbar(state, position) {
    var toolbar = document.createElement("div");
    toolbar.className = "df-table-toolbar";

    var label = document.createElement("label");
    label.className = "df-table-filter";
    var labelText = document.createElement("span");
    labelText.className = "visually-hidden";
    labelText.textContent = "Filter rows";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter rows\u2026";
    input.setAttribute("autocomplete", "off");
    label.appendChild(labelText);
    label.appendChild(input);

    state.count = document.createElement("span");
    state.count.className = "df-table-count";
    state.count.setAttribute("aria-live", "polite");

    input.addEventListener("input", function () { applyFilter(state, input.value); });
    toolbar.appendChild(label);
    toolbar.appendChild(state.count);
    toolbar.appendChild(makeDownloadLink(state, position));
    return toolbar;
  }

  function enhance(table, position) {
    if (table.dataset.dfTableEnhanced) return;
    table.dataset.dfTableEnhanced = "true";
    var headers = headerCells(table);
    var rows = bodyRows(table);
    var state = {
      table: table,
      headers: headers,
      labels: headers.map(cellText),
      rows: rows,
      texts: readTexts(rows),
      originalOrder: new Map(rows.map(function (row, i) { return [row, i]; })),
      sorted: null,
      objectUrl: null
    };
    // cells joined by a tab so that a query never matches across a cell boundary
    state.searchText = new Map(rows.map(function (row) {
      return [row, state.texts.get(row).join("\t").toLowerCase()];
    }));
    if (table.tBodies.length === 1) makeSortable(state);
    var toolbar = makeToolbar(state, position);
    // furo wraps each table in div.table-wrapper (a scroll box): keep the toolbar outside it
    var anchor = table.parentElement && table.parentElement.classList.contains("table-wrapper")
      ? table.parentElement : table;
    anchor.parentNode.insertBefore(toolbar, anchor);
    applyFilter(state, "");
  }

  function enhanceAll() {
    document.querySelectorAll("table.df-table").forEach(function (table, i) {
      enhance(table, i + 1);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
