/* Interactive df-tables: sort, filter, download as CSV, and fit the page's width.
 *
 * Enhances every <table class="df-table"> on the page. The server-rendered table is the
 * source of truth: without JavaScript it reads as written (every row, every column).
 * Data is only ever read with textContent and written with createElement/textContent (never
 * innerHTML), so markup inside a CSV cell cannot run.
 *
 * Fitting (docs/dev/interactive.rst): header cells carry df-priority-1 to 4 (set at build from
 * the column's role, ext/column_roles.py). When the table is wider than its box, the columns
 * of the highest priority number are hidden, then the next, down to priority 1 (classes
 * df-hide-<n> on the table and one shared stylesheet: no per-cell work); each row gets a
 * button that opens its hidden cells below it, and the toolbar one that shows every column.
 * When even priority 1 does not fit (a phone), rows become cards of label/value lines.
 *
 * Large tables (more than INCREMENTAL_ROWS rows) keep only the first CHUNK rows of the
 * current order and filter in the DOM and add more as the reader scrolls; sorting sorts an
 * index array over keys computed once per column, filtering scans precomputed row texts.
 */
(function () {
  "use strict";

  /* perfcore/ordering.py NOT_A_VALUE: no value, sorted last in either direction. */
  var MISSING = new Set(["", "n/a", "na", "nan", "none", "null", "-", "\u2014", "\u2013", "oom",
                         "failed", "timeout", "skipped", "compile_failed"]);
  /* perfcore/ordering.py _ARROW and _CELL_NUMBER (cell_number): the twin, compared by a test. */
  var ARROW = /->|\u2192/;
  var CELL_NUMBER = new RegExp("^([-+]?)[$\u20ac\u00a3\u00a5]?" +
                               "(\\d{1,3}(?:,\\d{3})+(?:\\.\\d*)?|\\d+(?:\\.\\d*)?|\\.\\d+)" +
                               "((?:[eE][-+]?\\d+)?)%?(?:\\s+\\D[\\s\\S]*)?$");
  var CARD_LEVEL = 3; // cards show priorities 1 to 3: all but the schema's details
  var CARD_MAX_WIDTH = 640; // px of the table's box: cards on a phone, never on a desktop
  var INCREMENTAL_ROWS = 1000;
  var CHUNK = 100;
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellText(cell) {
    return (cell ? cell.textContent : "").replace(/\s+/g, " ").trim();
  }

  function isMissing(text) {
    return MISSING.has(text.toLowerCase());
  }

  /* "$1,234.5" -> 1234.5, "12.3%" -> 12.3, "2,120 -> 2,164 (+2.1%)" -> 2164; NaN otherwise. */
  function cellNumber(text) {
    var parts = String(text).split(ARROW);
    var match = CELL_NUMBER.exec(parts[parts.length - 1].trim());
    if (!match) return NaN;
    var value = parseFloat(match[1] + match[2].replace(/,/g, "") + match[3]);
    return isFinite(value) ? value : NaN;
  }

  function headerCells(table) {
    var head = table.tHead;
    if (!head || head.rows.length === 0) return [];
    return Array.prototype.slice.call(head.rows[head.rows.length - 1].cells);
  }

  function priorityOf(th, index) {
    if (index === 0) return 1; // the row's name stays, and sticks to the left edge
    var match = /(?:^|\s)df-priority-(\d)(?:\s|$)/.exec(th.className);
    return match ? parseInt(match[1], 10) : 1;
  }

  /* ---- order and filter: index arrays over texts read once ---- */

  /* Per column, once: numbers (a numeric column) or collation ranks (text), no-values apart. */
  function columnKeys(state, column) {
    if (state.keys[column]) return state.keys[column];
    var count = state.texts.length;
    var missing = new Uint8Array(count);
    var values = new Float64Array(count);
    var numeric = true;
    var present = [];
    for (var i = 0; i < count; i++) {
      var text = state.texts[i][column] || "";
      if (isMissing(text)) { missing[i] = 1; continue; }
      present.push(i);
      if (numeric) {
        var number = cellNumber(text);
        if (isNaN(number)) numeric = false; else values[i] = number;
      }
    }
    if (!numeric) {
      present.sort(function (a, b) {
        return collator.compare(state.texts[a][column], state.texts[b][column]);
      });
      var rank = 0;
      present.forEach(function (row, position) {
        if (position > 0 && collator.compare(state.texts[present[position - 1]][column],
                                             state.texts[row][column]) !== 0) rank++;
        values[row] = rank;
      });
    }
    state.keys[column] = { missing: missing, values: values };
    return state.keys[column];
  }

  /* No-values last whichever the direction; ties keep the page's order. */
  function sortTable(state, column, ascending) {
    var keys = columnKeys(state, column);
    var direction = ascending ? 1 : -1;
    var order = state.texts.map(function (_, i) { return i; });
    order.sort(function (a, b) {
      if (keys.missing[a] !== keys.missing[b]) return keys.missing[a] - keys.missing[b];
      var difference = keys.values[a] - keys.values[b];
      return difference !== 0 && !keys.missing[a] ? difference * direction : a - b;
    });
    state.order = order;
    state.sorted = { index: column, ascending: ascending };
    state.headers.forEach(function (th, i) {
      if (i === column) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    applyFilter(state, state.query);
  }

  function applyFilter(state, query) {
    state.query = query;
    var needle = query.trim().toLowerCase();
    var order = state.order;
    var matched = [];
    for (var i = 0; i < order.length; i++) {
      if (needle === "" || state.search[order[i]].indexOf(needle) !== -1) matched.push(order[i]);
    }
    state.matched = matched;
    state.limit = state.incremental ? CHUNK : Infinity;
    render(state);
  }

  /* The tbody gets the first `limit` matched rows (with any open details) in one write. */
  function render(state) {
    var shown = Math.min(state.matched.length, state.limit);
    if (state.bodies > 1) { // several tbodies (not written by docutils): hide, never move
      var keep = new Set(state.matched);
      state.rows.forEach(function (row, i) { row.hidden = !keep.has(i); });
    } else {
      var fragment = document.createDocumentFragment();
      for (var i = 0; i < shown; i++) {
        var index = state.matched[i];
        addRowToggle(state, index);
        if (state.cards) labelRows(state, [index]);
        fragment.appendChild(state.rows[index]);
        var details = state.details.get(index);
        if (details) fragment.appendChild(details);
      }
      state.tbody.replaceChildren(fragment);
    }
    state.count.textContent = state.matched.length + " of " + state.rows.length + " rows";
    updateMore(state, shown);
  }

  function showMore(state, all) {
    state.limit = all ? Infinity : state.limit + CHUNK;
    render(state);
  }

  function updateMore(state, shown) {
    if (!state.more) return;
    var left = state.matched.length - shown;
    state.more.hidden = left <= 0;
    state.moreText.textContent = "Showing " + shown + " of " + state.matched.length +
      " matching rows.";
  }

  /* Below a large table: how many rows are in the page; more come as the reader nears it. */
  function makeMore(state) {
    var more = document.createElement("div");
    more.className = "df-table-more";
    state.moreText = document.createElement("span");
    var next = document.createElement("button");
    next.type = "button";
    next.textContent = "Show " + CHUNK + " more";
    next.addEventListener("click", function () { showMore(state, false); });
    var all = document.createElement("button");
    all.type = "button";
    all.textContent = "Show all";
    all.title = "Put every matching row in the page (slow for thousands of rows)";
    all.addEventListener("click", function () { showMore(state, true); });
    more.appendChild(state.moreText);
    more.appendChild(next);
    more.appendChild(all);
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; }) && !more.hidden) {
          showMore(state, false);
        }
      }, { rootMargin: "600px 0px" }).observe(more);
    }
    state.more = more;
    return more;
  }

  /* ---- fitting the width ---- */

  /* One sheet for all tables: .df-hide-<n> on a table hides its column n (1-based). Rules
   * keyed by tag and position, so a page of many tables adds no per-table rules. */
  var HIDABLE_COLUMNS = 64;
  function addColumnSheet() {
    var rules = [];
    for (var n = 2; n <= HIDABLE_COLUMNS; n++) {
      rules.push("table.df-table.df-hide-" + n + " > thead > tr > th:nth-child(" + n + "), " +
                 "table.df-table.df-hide-" + n + " > tbody > tr:not(.df-details) > td:nth-child(" +
                 n + ") { display: none; }");
    }
    var style = document.createElement("style");
    style.textContent = rules.join("\n");
    document.head.appendChild(style);
  }

  /* Card rows label their cells (data-label, shown by df-table.css); set lazily, on the rows
   * in the page, only while the table is in cards. */
  function labelRows(state, indices) {
    indices.forEach(function (index) {
      if (state.labelled[index]) return;
      state.labelled[index] = 1;
      Array.prototype.forEach.call(state.rows[index].cells, function (cell, column) {
        if (state.labels[column] !== undefined) cell.setAttribute("data-label", state.labels[column]);
      });
    });
  }

  /* Columns in the order they give way: highest priority number first, and within one
   * priority from the left (a cost note or a diff's verdict, rightmost, stays longest).
   * Priority 1 and the first column never do. */
  function hidingOrder(priorities) {
    return priorities.map(function (priority, i) { return i; })
      .filter(function (i) { return i > 0 && priorities[i] > 1; })
      .sort(function (a, b) { return priorities[b] - priorities[a] || a - b; });
  }

  function hiddenColumns(state) {
    if (state.cards) {
      return state.hideOrder.filter(function (i) { return state.priorities[i] > CARD_LEVEL; });
    }
    return state.hideOrder.slice(0, state.hiding);
  }

  /* Hide the first `count` columns of the hiding order, or show the table as cards. */
  function setHidden(state, count, cards) {
    var table = state.table;
    hiddenColumns(state).forEach(function (column) {
      table.classList.remove("df-hide-" + (column + 1));
    });
    state.hiding = count;
    state.cards = cards;
    var hidden = hiddenColumns(state);
    hidden.forEach(function (column) {
      if (column + 1 <= HIDABLE_COLUMNS) table.classList.add("df-hide-" + (column + 1));
    });
    table.classList.toggle("df-cards", cards);
    table.classList.toggle("df-has-hidden", hidden.length > 0);
    if (cards) labelRows(state, state.matched.slice(0, Math.min(state.matched.length, state.limit)));
    if (state.allColumns) {
      state.allColumns.hidden = hidden.length === 0 && !state.expanded;
      state.allColumns.setAttribute("aria-pressed", state.expanded ? "true" : "false");
      state.allColumns.textContent = state.expanded
        ? "Fit columns to the page" : "Show all " + state.labels.length + " columns";
    }
    state.details.forEach(function (details, index) { fillDetails(state, index, details); });
  }

  function overflows(state) {
    return state.box.scrollWidth > state.box.clientWidth + 1;
  }

  /* The widest view that fits each table: columns give way one by one in hiding order, and
   * when even priority 1 alone is too wide for a box narrower than CARD_MAX_WIDTH (a phone)
   * the rows become cards. An overflowing
   * table's columns are at their narrowest, so header widths measured once with every column
   * shown tell how many must go; a second pass checks (the row buttons take room too).
   * Reads stay apart from writes, so a page of many tables is laid out about twice, not once
   * per table and column. */
  function fitAll(states) {
    states.forEach(function (state) {
      if (state.hiding || state.cards) setHidden(state, 0, false);
    });
    var measured = states.map(function (state) {
      var width = state.box.clientWidth;
      var wide = width > 0 && !state.expanded && overflows(state);
      return { state: state, width: width, wide: wide,
               columns: wide ? state.headers.map(function (th) { return th.offsetWidth; }) : [] };
    });
    var checking = [];
    measured.forEach(function (entry) {
      var state = entry.state;
      if (entry.width === 0) return; // in a hidden tab: fitted when shown (ResizeObserver)
      state.fittedWidth = entry.width;
      if (!entry.wide) return;
      var total = entry.columns.reduce(function (sum, width) { return sum + width; }, 0);
      var count = 0;
      while (count < state.hideOrder.length && total > entry.width) {
        total -= entry.columns[state.hideOrder[count++]];
      }
      if (total > entry.width && entry.width < CARD_MAX_WIDTH) {
        setHidden(state, 0, true);
      } else { // on a wide page, a table still too wide scrolls in its box, first column fixed
        setHidden(state, count, false);
        checking.push(state);
      }
    });
    checking.filter(overflows).forEach(function (state) {
      if (state.hiding < state.hideOrder.length) setHidden(state, state.hiding + 1, false);
      else if (state.fittedWidth < CARD_MAX_WIDTH) setHidden(state, 0, true);
    });
  }

  /* Refit the tables whose box changed width (a window resize, a tab shown). A table in a
   * hidden tab (width 0) keeps its fit until it shows again. */
  var fitted = [];
  var refitPending = false;
  function refitChanged() {
    refitPending = false;
    var changed = fitted.filter(function (state) {
      var width = state.box.clientWidth;
      return width > 0 && width !== state.fittedWidth;
    });
    if (changed.length) fitAll(changed);
  }

  /* At the next frame, before it is painted: after a resize (ResizeObserver; never within
   * its callback, so fitting cannot loop in it) or a click on a tab or a <summary> (the
   * panel or details shows in the same frame, already fitted). */
  function scheduleRefit() {
    if (refitPending) return;
    refitPending = true;
    requestAnimationFrame(refitChanged);
  }

  function watchWidths(states) {
    fitted = fitted.concat(states);
    if ("ResizeObserver" in window) {
      var observer = new ResizeObserver(scheduleRefit);
      states.forEach(function (state) { observer.observe(state.box); });
    }
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".sd-tab-set, summary")) scheduleRefit();
    });
  }

  /* ---- per-row details: the cells of hidden columns, in a row under the row ---- */

  function addRowToggle(state, index) {
    if (!state.fits || state.toggled[index]) return;
    state.toggled[index] = 1;
    var cell = state.rows[index].cells[0];
    if (!cell) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "df-row-toggle";
    button.setAttribute("aria-expanded", "false");
    button.title = "Show the other columns of this row";
    button.setAttribute("aria-label", "Other columns");
    button.dataset.dfRow = String(index);
    cell.insertBefore(button, cell.firstChild);
  }

  function fillDetails(state, index, details) {
    var list = document.createElement("dl");
    var cells = state.rows[index].cells;
    hiddenColumns(state).forEach(function (column) {
      var term = document.createElement("dt");
      term.textContent = state.labels[column];
      var value = document.createElement("dd");
      if (cells[column]) {
        Array.prototype.forEach.call(cells[column].childNodes, function (node) {
          value.appendChild(node.cloneNode(true));
        });
      }
      list.appendChild(term);
      list.appendChild(value);
    });
    details.firstChild.replaceChildren(list);
  }

  function toggleDetails(state, button) {
    var index = parseInt(button.dataset.dfRow, 10);
    var open = state.details.get(index);
    if (open) {
      open.remove();
      state.details.delete(index);
      button.setAttribute("aria-expanded", "false");
      return;
    }
    var details = document.createElement("tr");
    details.className = "df-details";
    var cell = document.createElement("td");
    cell.colSpan = state.labels.length;
    details.appendChild(cell);
    fillDetails(state, index, details);
    state.details.set(index, details);
    state.rows[index].after(details);
    button.setAttribute("aria-expanded", "true");
  }

  /* ---- sorting headers ---- */

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

  /* ---- CSV download ---- */

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

  /* Every matching row (shown or not yet), in the order shown, every column. */
  function tableCsv(state) {
    var lines = [];
    if (state.labels.length) lines.push(state.labels.map(csvField).join(","));
    state.matched.forEach(function (index) {
      lines.push(state.texts[index].map(csvField).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  function pageName() {
    var path = decodeURIComponent(window.location.pathname).replace(/\/index\.html$|\/$/, "");
    return slug(path.replace(/\.html$/, "").split("/").slice(-2).join("-")) || "index";
  }

  /* An explicit table id (a family tab: inf2-encoder-throughput-optimized), else page,
   * section, caption and tab, each left out when the name already says it:
   * cost-every-measured-configuration-bert-base.csv. */
  function csvFileName(table) {
    // docutils' automatic ids (id1, id2, ...) say nothing about the table
    if (slug(table.id) && !/^id\d+$/.test(table.id)) return slug(table.id).slice(0, 120) + ".csv";
    var section = table.closest("section[id]");
    var panel = table.closest(".sd-tab-content");
    var tab = panel && panel.previousElementSibling;
    var caption = table.caption &&
      (table.caption.querySelector(".caption-text") || table.caption);
    var name = "";
    [pageName(), section && section.id, caption && cellText(caption), tab && cellText(tab)]
      .forEach(function (part) {
        var piece = slug(part || "");
        if (piece && ("-" + name + "-").indexOf("-" + piece + "-") === -1) {
          name = name ? name + "-" + piece : piece;
        }
      });
    return (name.slice(0, 120).replace(/-+$/, "") || "table") + ".csv";
  }

  function makeDownloadLink(state) {
    var link = document.createElement("a");
    link.className = "df-table-download";
    link.href = "#";
    link.textContent = "Download CSV";
    link.title = "Download the matching rows, every column, as CSV";
    link.setAttribute("download", csvFileName(state.table));
    link.addEventListener("click", function () {
      if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
      var blob = new Blob([tableCsv(state)], { type: "text/csv;charset=utf-8" });
      state.objectUrl = URL.createObjectURL(blob);
      link.href = state.objectUrl; // the default action follows the updated href
    });
    return link;
  }

  function makeToolbar(state) {
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
    if (state.fits) {
      var all = document.createElement("button");
      all.type = "button";
      all.className = "df-table-columns";
      all.hidden = true;
      all.addEventListener("click", function () {
        state.expanded = !state.expanded;
        fitAll([state]);
      });
      state.allColumns = all;
      toolbar.appendChild(all);
    }
    toolbar.appendChild(makeDownloadLink(state));
    return toolbar;
  }

  function enhance(table) {
    if (table.dataset.dfTableEnhanced) return null;
    table.dataset.dfTableEnhanced = "true";
    var headers = headerCells(table);
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (tbody) {
      Array.prototype.push.apply(rows, tbody.rows);
    });
    var texts = rows.map(function (row) { return Array.prototype.map.call(row.cells, cellText); });
    var identity = rows.map(function (_, i) { return i; });
    var state = {
      table: table,
      tbody: table.tBodies[0],
      bodies: table.tBodies.length,
      headers: headers,
      labels: headers.map(cellText),
      priorities: headers.map(priorityOf),
      rows: rows,
      texts: texts,
      // cells joined by a tab so that a query never matches across a cell boundary
      search: texts.map(function (cells) { return cells.join("\t").toLowerCase(); }),
      keys: [],
      order: identity,
      matched: identity,
      query: "",
      incremental: table.tBodies.length === 1 && rows.length > INCREMENTAL_ROWS,
      limit: Infinity,
      sorted: null,
      objectUrl: null,
      details: new Map(),
      toggled: new Uint8Array(rows.length),
      labelled: new Uint8Array(rows.length),
      hiding: 0,
      cards: false,
      expanded: false
    };
    state.limit = state.incremental ? CHUNK : Infinity;
    state.hideOrder = hidingOrder(state.priorities);
    // furo wraps each table in div.table-wrapper (a scroll box): fit to it, toolbar above it
    var wrapped = table.parentElement && table.parentElement.classList.contains("table-wrapper");
    state.box = wrapped ? table.parentElement : table.parentElement || table;
    state.fits = table.tBodies.length === 1 && headers.length > 1;
    if (table.tBodies.length === 1) makeSortable(state);
    var anchor = wrapped ? table.parentElement : table;
    anchor.parentNode.insertBefore(makeToolbar(state), anchor);
    if (state.incremental) anchor.parentNode.insertBefore(makeMore(state), anchor.nextSibling);
    if (state.fits) {
      table.addEventListener("click", function (event) {
        var button = event.target.closest("button.df-row-toggle");
        if (button && table.contains(button)) toggleDetails(state, button);
      });
    }
    render(state);
    return state;
  }

  function enhanceAll() {
    var states = Array.prototype.map.call(document.querySelectorAll("table.df-table"), enhance)
      .filter(function (state) { return state && state.fits; });
    if (!states.length) return;
    addColumnSheet();
    fitAll(states);
    watchWidths(states);
  }

  // for the browser tests that compare the twins with perfcore/ordering.py
  window.dfTable = { cellNumber: cellNumber, isMissing: isMissing };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
