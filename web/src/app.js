// Holt's dashboard: plain DOM, no framework. Text from the server is only ever set as text (never as HTML), so a
// peer named "<img onerror=…>" stays a name. Every change sends the session's CSRF token.
(function () {
  "use strict";

  const state = {
    session: null,
    status: null,
    monitor: null,
    peers: new Map(),
    rates: new Map(),
    view: null,
    peersTable: { query: "", sort: "name", descending: false, page: 0, pageSize: 50 },
  };

  // ---- DOM and text helpers ----------------------------------------------------------------------------------

  function h(tag, props, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") element.className = value;
      else if (key === "text") element.textContent = value;
      else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else if (key in element && typeof value !== "string") element[key] = value;
      else element.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  function bytes(n) {
    if (n === null || n === undefined) return "-";
    let value = Number(n);
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (unit === 0 ? value.toFixed(0) : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)) + " " + units[unit];
  }
  function rate(n) { return n === null || n === undefined ? "-" : bytes(n) + "/s"; }

  function ago(iso) {
    if (!iso) return h("span", { text: "never" });
    const when = new Date(iso);
    let seconds = Math.round((Date.now() - when.getTime()) / 1000);
    const future = seconds < 0;
    seconds = Math.abs(seconds);
    let text;
    if (seconds < 60) text = seconds + " s";
    else if (seconds < 3600) text = Math.floor(seconds / 60) + " min";
    else if (seconds < 86400) text = Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
    else text = Math.floor(seconds / 86400) + " d " + Math.floor((seconds % 86400) / 3600) + " h";
    return h("time", { datetime: when.toISOString(), title: when.toLocaleString(), text: future ? "in " + text : text + " ago" });
  }

  function stateBadge(text) { return h("span", { class: "state " + (text || "never"), text: text || "unknown" }); }

  // ---- The API -----------------------------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      init.headers["X-Holt-Csrf"] = state.session ? state.session.csrf : "";
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!response.ok) throw new Error(data && data.error ? data.error : response.status + " " + response.statusText);
    return data;
  }

  async function refresh() {
    const [status, peers] = await Promise.all([api("GET", "/api/status"), api("GET", "/api/peers")]);
    state.status = status;
    state.peers = new Map(peers.map((p) => [p.name, p]));
    try { state.monitor = await api("GET", "/api/monitor"); } catch (e) { state.monitor = null; }
  }

  let statesOf = { monitor: null, map: new Map() };
  function monitorState(name) {
    if (!state.monitor) return null;
    if (statesOf.monitor !== state.monitor) statesOf = { monitor: state.monitor, map: new Map(state.monitor.peers.map((p) => [p.name, p.state])) };
    return statesOf.map.get(name) || null;
  }

  // ---- Live updates ------------------------------------------------------------------------------------------

  function listen() {
    const events = new EventSource("/api/events");
    events.addEventListener("live", (event) => {
      const update = JSON.parse(event.data);
      const previous = state.peers;
      if (update.full) state.peers = new Map();
      const changed = new Map(update.peers.map((p) => [p.name, p]));
      // Each peer's traffic rate over the last interval: a peer left out of the update moved nothing.
      if (update.seconds > 0) {
        for (const [name, before] of previous) {
          const now = changed.get(name);
          const speed = now ? Math.max(0, (now.rx_bytes - before.rx_bytes + now.tx_bytes - before.tx_bytes) / update.seconds) : 0;
          const series = state.rates.get(name) || [];
          series.push(speed);
          if (series.length > 60) series.shift();
          state.rates.set(name, series);
        }
      }
      for (const peer of update.peers) state.peers.set(peer.name, peer);
      for (const name of update.removed) { state.peers.delete(name); state.rates.delete(name); }
      if (update.monitor) {
        // A round carries only the peers whose state changed; the others keep theirs.
        const watched = new Map((update.full || !state.monitor ? [] : state.monitor.peers).map((p) => [p.name, p]));
        for (const peer of update.monitor.peers) watched.set(peer.name, peer);
        for (const name of update.removed) watched.delete(name);
        state.monitor = Object.assign({}, update.monitor, { peers: [...watched.values()] });
      }
      if (state.view && state.view.update) state.view.update();
    });
    events.onerror = () => { /* EventSource reconnects by itself */ };
  }

  // ---- Pages -------------------------------------------------------------------------------------------------

  const main = () => document.getElementById("main");

  function show(title, ...content) {
    const target = main();
    target.replaceChildren(h("h1", { text: title }), ...content);
    document.title = title + " - Holt";
  }

  function notice(text, isError) { return h("p", { class: "notice" + (isError ? " error" : ""), role: isError ? "alert" : "status", text }); }

  function gatewayInterface() {
    return state.status ? state.status.interfaces.find((i) => i.role === "gateway") : null;
  }

  function overview() {
    const cards = h("div", { class: "cards" });
    const alerts = h("div", { class: "panel" });
    const trafficBox = h("div", { class: "chart small", "data-test": "traffic-24h" });
    let guardReport = null;
    let trafficChart = null;
    async function loadSlow() {
      try { guardReport = await api("GET", "/api/guard"); } catch (e) { guardReport = null; }
      try {
        const totals = await api("GET", "/api/traffic");
        trafficBox.dataset.points = String(totals.length);
        if (trafficChart) { trafficChart.destroy(); trafficChart = null; }
        trafficBox.replaceChildren();
        if (totals.length === 0) trafficBox.append(h("p", { class: "muted", text: "No history yet: the monitor writes it a minute at a time." }));
        else if (typeof uPlot !== "undefined") {
          trafficChart = new uPlot({
            width: Math.max(280, trafficBox.clientWidth || 600), height: 160,
            series: chartSeries(["received", (u, v) => rate(v)], ["sent", (u, v) => rate(v)]),
            axes: chartAxes(rate, 80),
          }, [totals.map((t) => Date.parse(t.start) / 1000), totals.map((t) => t.rx_bytes / 3600), totals.map((t) => t.tx_bytes / 3600)], trafficBox);
        }
      } catch (e) { trafficBox.replaceChildren(notice(e.message, true)); }
      draw();
    }
    function draw() {
      const gateway = gatewayInterface();
      const monitor = state.monitor;
      const peers = [...state.peers.values()];
      const expected = monitor ? monitor.peers.filter((p) => p.expected && p.state !== "disabled") : [];
      const expectedUp = expected.filter((p) => p.state === "up").length;
      const firewall = state.status ? state.status.firewall : null;
      const guard = state.status ? state.status.guard : null;
      const daemon = monitor ? monitor.daemon : null;
      const link = monitor ? monitor.link : null;
      redraw(cards,
        h("section", { class: "card", "aria-label": "Gateway" },
          h("h2", { text: "Gateway" }),
          h("div", { class: "big", text: gateway ? gateway.name : "-" }),
          h("div", { class: "sub" }, gateway ? (gateway.running ? "running, " : "not running, ") + (gateway.backend || "") : "not found"),
          daemon && daemon.started_at ? h("div", { class: "sub" }, "up since ", ago(daemon.started_at)) : null),
        h("section", { class: "card", "aria-label": "Expected peers" },
          h("h2", { text: "Expected peers" }),
          h("div", { class: "big", "data-test": "expected", text: expectedUp + " of " + expected.length }),
          h("div", { class: "sub", text: peers.length + " peers, " + peers.filter((p) => monitorState(p.name) === "up").length + " up now" })),
        h("section", { class: "card", "aria-label": "Traffic" },
          h("h2", { text: "Traffic now" }),
          h("div", { class: "big", text: link ? rate((link.receive_rate || 0) + (link.send_rate || 0)) : "-" }),
          h("div", { class: "sub", text: link ? "in " + rate(link.receive_rate) + ", out " + rate(link.send_rate) : "the monitor has no figure yet" })),
        h("section", { class: "card", "aria-label": "Firewall" },
          h("h2", { text: "Firewall" }),
          h("div", { class: "big", text: firewall ? (firewall.pending ? "awaiting confirmation" : firewall.enabled ? "locked down" : "not enabled") : "-" }),
          h("div", { class: "sub", text: firewall ? (firewall.loaded ? "table loaded" : "table not loaded") + ", " + firewall.exposures + " exposed ports" : "" }),
          firewall && firewall.pending ? h("a", { href: "#/firewall", text: "confirm or let it roll back" }) : null),
        h("section", { class: "card", "aria-label": "Guard" },
          h("h2", { text: "Guard" }),
          h("div", { class: "big", text: guard && guard.banned !== null ? guard.banned + " banned" : "-" }),
          h("div", { class: "sub", text: (guard ? (guard.running ? "running" : "not running") : "") + (guardReport && guardReport.bans_today !== null ? ", " + guardReport.bans_today + " bans today" : "") })));
      const active = monitor ? monitor.alerts : [];
      redraw(alerts, h("h2", { text: "Active alerts" }),
        active.length === 0 ? h("p", { class: "muted", text: "No alert is pending or firing." })
          : h("table", {}, h("thead", {}, h("tr", {}, h("th", { text: "Alert" }), h("th", { text: "Phase" }), h("th", { text: "Since" }), h("th", { text: "Why" }))),
            h("tbody", {}, active.map((a) => h("tr", {}, h("td", { text: a.summary }), h("td", {}, stateBadge(a.phase)), h("td", {}, ago(a.since)), h("td", { text: a.description }))))));
    }
    draw();
    show("Overview", cards, h("div", { class: "panel" }, h("h2", { text: "Traffic, last 24 hours" }), trafficBox), alerts);
    loadSlow();
    const timer = setInterval(() => { if (!state.view || state.view.timer !== timer) { clearInterval(timer); if (trafficChart) trafficChart.destroy(); } else loadSlow(); }, 60000);
    return { update: draw, timer };
  }

  const columns = [
    { key: "name", label: "Name", value: (p) => p.name.toLowerCase() },
    { key: "state", label: "State", value: (p) => monitorState(p.name) || (p.enabled ? "" : "disabled") },
    { key: "handshake", label: "Handshake", value: (p) => (p.latest_handshake ? Date.parse(p.latest_handshake) : 0) },
    { key: "endpoint", label: "Endpoint", value: (p) => p.endpoint || "", narrow: true },
    { key: "rx", label: "Received", value: (p) => p.rx_bytes, num: true },
    { key: "tx", label: "Sent", value: (p) => p.tx_bytes, num: true },
  ];

  function sparkline(name) {
    const series = state.rates.get(name) || [];
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 90 22");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", series.length ? "traffic, latest " + rate(series[series.length - 1]) : "no traffic seen yet");
    if (series.length > 1) {
      const top = Math.max(...series, 1);
      const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      line.setAttribute("points", series.map((v, i) => (i * 90 / (series.length - 1)).toFixed(1) + "," + (21 - v / top * 20).toFixed(1)).join(" "));
      svg.append(line);
    }
    return svg;
  }

  function peerRow(name) {
    const row = h("tr", { "data-peer": name });
    const cells = Array.from({ length: 8 }, (_, i) => h("td", { class: i === 3 || i === 6 ? "hide-narrow" : i === 4 || i === 5 ? "num" : "" }));
    const button = h("button", { type: "button" });
    button.addEventListener("click", () => {
      const peer = state.peers.get(name);
      if (peer) change(button, name, { enabled: !peer.enabled });
    });
    cells[7].append(button);
    const link = h("a", { href: "#/peer/" + encodeURIComponent(name), text: name });
    const adminMark = h("span", { class: "muted", text: " admin", hidden: true });
    cells[0].append(link, adminMark);
    row.append(...cells);
    row.holt = { cells, button, adminMark, shown: "" };
    return row;
  }

  function fillRow(row, p) {
    const { cells, button, adminMark } = row.holt;
    const stateText = p.enabled ? (p.expired ? "expired" : monitorState(p.name)) : "disabled";
    const key = [p.name, p.admin, stateText, p.latest_handshake, p.endpoint, p.rx_bytes, p.tx_bytes, p.enabled].join("|");
    if (row.holt.shown !== key) {
      row.holt.shown = key;
      adminMark.hidden = !p.admin;
      cells[1].replaceChildren(stateBadge(stateText));
      cells[3].textContent = p.endpoint || "-";
      cells[4].textContent = bytes(p.rx_bytes);
      cells[5].textContent = bytes(p.tx_bytes);
      button.textContent = p.enabled ? "Disable" : "Enable";
      button.setAttribute("aria-label", (p.enabled ? "Disable " : "Enable ") + p.name);
    }
    cells[2].replaceChildren(ago(p.latest_handshake));
    cells[6].replaceChildren(sparkline(p.name));
  }

  function peersPage() {
    let rowsByName = new Map();
    const table = state.peersTable;
    const body = h("tbody");
    const head = h("tr");
    const summary = h("span", { class: "muted", role: "status" });
    const pager = h("div", { class: "pager" });
    const search = h("input", { type: "search", placeholder: "Search name, address, endpoint", "aria-label": "Search peers", value: table.query,
      oninput: (e) => { table.query = e.target.value; table.page = 0; draw(); } });
    function draw() {
      const query = table.query.trim().toLowerCase();
      const column = columns.find((c) => c.key === table.sort) || columns[0];
      let rows = [...state.peers.values()].filter((p) => !query || p.name.toLowerCase().includes(query) || p.address.includes(query) ||
        (p.address6 || "").includes(query) || (p.endpoint || "").includes(query));
      rows.sort((a, b) => { const x = column.value(a), y = column.value(b); return (x < y ? -1 : x > y ? 1 : 0) * (table.descending ? -1 : 1); });
      const pages = Math.max(1, Math.ceil(rows.length / table.pageSize));
      table.page = Math.min(table.page, pages - 1);
      const shown = rows.slice(table.page * table.pageSize, (table.page + 1) * table.pageSize);
      // The header and the pager are redrawn only when they change, so live updates leave their buttons alone.
      const headShown = table.sort + "|" + table.descending;
      if (head.holtShown !== headShown) {
        head.holtShown = headShown;
        redraw(head, ...columns.map((c) => h("th", { class: (c.num ? "num" : "") + (c.narrow ? " hide-narrow" : ""), "aria-sort": c.key === table.sort ? (table.descending ? "descending" : "ascending") : "none" },
        h("button", { class: "sort", type: "button", "aria-label": "Sort by " + c.label, onclick: () => { table.descending = table.sort === c.key ? !table.descending : false; table.sort = c.key; table.page = 0; draw(); } },
          c.label + (c.key === table.sort ? (table.descending ? " ▼" : " ▲") : "")))), h("th", { class: "hide-narrow", text: "Traffic" }), h("th", { text: "Actions" }));
      }
      // Rows are kept per peer and their cells updated in place, so a live update neither moves the keyboard's
      // focus nor replaces what a user is about to click; the rows are reordered only when the order changes.
      const kept = new Map();
      for (const p of shown) {
        const row = rowsByName.get(p.name) || peerRow(p.name);
        fillRow(row, p);
        kept.set(p.name, row);
      }
      rowsByName = kept;
      const order = shown.map((p) => rowsByName.get(p.name));
      if (order.length !== body.children.length || order.some((row, i) => body.children[i] !== row)) body.replaceChildren(...order);
      summary.textContent = rows.length + " of " + state.peers.size + " peers";
      const pagerShown = table.page + "/" + pages;
      if (pager.holtShown !== pagerShown) {
        pager.holtShown = pagerShown;
        redraw(pager,
          h("button", { type: "button", text: "Previous", disabled: table.page === 0, onclick: () => { table.page--; draw(); } }),
          h("span", { text: "page " + (table.page + 1) + " of " + pages }),
          h("button", { type: "button", text: "Next", disabled: table.page >= pages - 1, onclick: () => { table.page++; draw(); } }));
      }
    }
    draw();
    show("Peers",
      h("div", { class: "toolbar" }, search, summary, h("span", { class: "grow" }), h("button", { class: "primary", type: "button", text: "Add peer", onclick: addPeerDialog })),
      h("div", { class: "panel" }, h("table", { "aria-label": "Peers" }, h("thead", {}, head), body), pager));
    return { update: draw };
  }

  // Redraws a part of the page. A control in it that had the focus gets it back in its new copy (found by its label),
  // so a live update does not throw a keyboard user back to the top of the page.
  function redraw(container, ...children) {
    const focused = document.activeElement;
    const key = focused && focused !== document.body && container.contains(focused) ? focusKey(focused) : null;
    container.replaceChildren(...children);
    if (key === null) return;
    const again = [...container.querySelectorAll("button, input, select, textarea, a[href]")].find((e) => focusKey(e) === key);
    if (again) again.focus();
  }
  function focusKey(element) {
    return element.tagName + "|" + (element.getAttribute("aria-label") || element.getAttribute("name") || element.getAttribute("href") || element.textContent);
  }

  // One composed edit of a peer through the API; the table and the open page take its answer.
  async function patchPeer(name, body) {
    const peer = await api("PATCH", "/api/peers/" + encodeURIComponent(name), body);
    if (peer.name !== name) state.peers.delete(name);
    state.peers.set(peer.name, peer);
    if (state.view && state.view.update) state.view.update();
    return peer;
  }

  async function change(button, name, body) {
    button.disabled = true;
    try {
      return await patchPeer(name, body);
    } catch (e) {
      alertBox(e.message);
      return null;
    } finally {
      button.disabled = false;
    }
  }

  // A dialog asking for one value (a new name, an expiry). It stays open with the server's refusal in it until the
  // change is made or cancelled, so a typo is corrected in place rather than typed again.
  let fieldDialogs = 0;
  function fieldDialog(title, label, value, hint, submit) {
    const id = "field-dialog-" + (++fieldDialogs);
    const error = h("p", { class: "error", role: "alert" });
    const input = h("input", { type: "text", name: "value", required: true, autocomplete: "off", spellcheck: "false", value, "aria-describedby": id + "-hint" });
    const save = h("button", { type: "submit", class: "primary", text: "Save" });
    const form = h("form", {},
      h("label", { class: "field" }, label, input),
      h("p", { class: "muted", id: id + "-hint", text: hint }),
      error,
      h("div", { class: "toolbar" }, save, h("button", { type: "button", text: "Cancel", onclick: () => dialog.close() })));
    const dialog = h("dialog", { "aria-labelledby": id }, h("h2", { id, text: title }), form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      error.textContent = "";
      try {
        await submit(input.value.trim());
        dialog.close();
      } catch (err) {
        error.textContent = err.message;
        input.focus();
      } finally {
        save.disabled = false;
      }
    });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    input.select();
  }

  function alertBox(text) {
    const dialog = h("dialog", { "aria-label": "Error" }, h("p", { class: "error", role: "alert", text }),
      h("form", { method: "dialog" }, h("button", { text: "Close" })));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  function addPeerDialog() {
    const error = h("p", { class: "error", role: "alert" });
    const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off", pattern: "[A-Za-z0-9][A-Za-z0-9._-]*" });
    const expires = h("input", { type: "text", name: "expires", placeholder: "30d, 6mo, 1y, 2026-12-31 (empty: never)" });
    const flag = (key, label) => h("label", {}, h("input", { type: "checkbox", name: key }), label);
    const form = h("form", { class: "stack" },
      h("label", { class: "field" }, "Name", name),
      h("label", { class: "field" }, "Expires", expires),
      flag("admin", "Admin (gets this dashboard through the tunnel)"),
      flag("full_tunnel", "Full tunnel (all of the device's traffic through the gateway)"),
      flag("client_to_client", "Client to client"),
      flag("expected", "Expected (always on: alert when it is down)"),
      error,
      h("div", { class: "toolbar" }, h("button", { class: "primary", type: "submit", text: "Add" }), h("button", { type: "button", text: "Cancel", onclick: () => dialog.close() })));
    const dialog = h("dialog", { "aria-labelledby": "add-title" }, h("h2", { id: "add-title", text: "Add a peer" }), form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        const added = await api("POST", "/api/peers", {
          name: data.get("name"),
          expires: data.get("expires") || null,
          admin: data.get("admin") === "on",
          full_tunnel: data.get("full_tunnel") === "on",
          client_to_client: data.get("client_to_client") === "on",
          expected: data.get("expected") === "on",
        });
        state.peers.set(added.peer.name, added.peer);
        dialog.replaceChildren(...addedPeer(added, () => dialog.close()));
        if (state.view && state.view.update) state.view.update();
      } catch (e) {
        error.textContent = e.message;
      }
    });
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    name.focus();
  }

  function addedPeer(added, close) {
    const file = added.peer.name.replace(/[^A-Za-z0-9._-]/g, "_") + ".conf";
    const download = h("a", { href: "data:text/plain;charset=utf-8," + encodeURIComponent(added.config), download: file, text: "Download " + file });
    return [
      h("h2", { text: "Peer " + added.peer.name + " added" }),
      h("p", { text: "Scan the code with the WireGuard app, or download the config. They are shown this once." }),
      h("img", { class: "qr", alt: "QR code of " + added.peer.name + "'s WireGuard config", src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(added.qr_svg) }),
      h("p", {}, download),
      h("details", {}, h("summary", { text: "Show the config" }), h("pre", { class: "config", "data-test": "config", text: added.config })),
      ...added.warnings.map((w) => notice(w, false)),
      h("button", { type: "button", class: "primary", text: "Done", onclick: close }),
    ];
  }

  function peerPage(name) {
    let range = "24h";
    const facts = h("div", { class: "cards" });
    const actions = h("div", { class: "toolbar" });
    const chartBox = h("div", { class: "chart", "data-test": "chart" });
    const sessions = h("div");
    const related = h("div", { class: "panel" });
    const status = h("p", { class: "muted", role: "status" });
    let chart = null;

    // The buttons are made once and only relabelled by live updates, so a keyboard user's focus stays where it is.
    const toggle = (key) => (e) => { const peer = state.peers.get(name); if (peer) change(e.target, name, { [key]: !peer[key] }); };
    const enableButton = h("button", { type: "button", onclick: toggle("enabled") });
    const adminButton = h("button", { type: "button", onclick: toggle("admin") });
    const clientButton = h("button", { type: "button", onclick: toggle("client_to_client") });
    actions.append(enableButton, adminButton, clientButton,
      h("button", { type: "button", text: "Set expiry", onclick: () => fieldDialog("Expiry of " + name, "Expires", state.peers.get(name)?.expires ? "" : "never",
        "A span from now (30d, 12h), a date (2026-12-31), or never. An expired peer is cut off until its expiry is moved.",
        (value) => patchPeer(name, { expires: value })) }),
      h("button", { type: "button", text: "Rename", onclick: () => fieldDialog("Rename " + name, "New name", name,
        "Letters, digits, dot, dash and underscore. Its keys, address and history stay.",
        async (value) => {
          if (value === name) return;
          const renamed = await patchPeer(name, { name: value });
          location.hash = "#/peer/" + encodeURIComponent(renamed.name);
        }) }),
      h("button", { type: "button", class: "danger", text: "Remove", onclick: () => removeDialog(name) }));

    function draw() {
      const peer = state.peers.get(name);
      if (!peer) { facts.replaceChildren(notice("No peer named " + name + ".", true)); actions.hidden = true; return; }
      facts.replaceChildren(
        h("section", { class: "card" }, h("h2", { text: "State" }), h("div", { class: "big" }, stateBadge(peer.enabled ? (peer.expired ? "expired" : monitorState(name)) : "disabled")),
          h("div", { class: "sub" }, "handshake ", ago(peer.latest_handshake))),
        h("section", { class: "card" }, h("h2", { text: "Addresses" }), h("div", { text: peer.address }), h("div", { text: peer.address6 || "" }),
          h("div", { class: "sub", text: "endpoint " + (peer.endpoint || "-") })),
        h("section", { class: "card" }, h("h2", { text: "Traffic" }), h("div", { text: "received " + bytes(peer.rx_bytes) }), h("div", { text: "sent " + bytes(peer.tx_bytes) })),
        h("section", { class: "card" }, h("h2", { text: "Settings" }),
          h("div", { text: (peer.admin ? "admin" : "not admin") + ", " + (peer.client_to_client ? "client to client" : "no client to client") }),
          h("div", {}, "expires ", peer.expires ? ago(peer.expires) : "never")));
      actions.hidden = false;
      enableButton.textContent = peer.enabled ? "Disable" : "Enable";
      adminButton.textContent = peer.admin ? "Remove admin" : "Make admin";
      clientButton.textContent = peer.client_to_client ? "Client to client off" : "Client to client on";
    }

    async function loadHistory() {
      status.textContent = "Loading the history…";
      try {
        const report = await api("GET", "/api/peers/" + encodeURIComponent(name) + "/history?since=" + range);
        drawChart(report);
        sessions.replaceChildren(h("h2", { text: "Sessions" }), report.sessions.length === 0 ? h("p", { class: "muted", text: "No session in this span." })
          : h("table", {}, h("thead", {}, h("tr", {}, h("th", { text: "From" }), h("th", { text: "Until" }), h("th", { text: "Endpoint" }), h("th", { class: "num", text: "Received" }), h("th", { class: "num", text: "Sent" }))),
            h("tbody", {}, report.sessions.slice().reverse().map((s) => h("tr", {}, h("td", {}, ago(s.start)), h("td", {}, s.end ? ago(s.end) : "open"), h("td", { text: s.endpoint || "-" }),
              h("td", { class: "num", text: bytes(s.rx_bytes) }), h("td", { class: "num", text: bytes(s.tx_bytes) }))))));
        status.textContent = report.points.length + (report.points.length === 1 ? " point" : " points") + ", one per " + (report.step >= 3600 ? report.step / 3600 + " h" : report.step / 60 + " min");
      } catch (e) {
        status.textContent = e.message;
        chartBox.replaceChildren();
      }
    }

    function drawChart(report) {
      const xs = report.points.map((p) => Date.parse(p.start) / 1000);
      const rx = report.points.map((p) => p.rx_bytes / p.seconds);
      const tx = report.points.map((p) => p.tx_bytes / p.seconds);
      chartBox.dataset.points = String(xs.length);
      chartBox.dataset.total = String(report.points.reduce((sum, p) => sum + p.rx_bytes + p.tx_bytes, 0));
      if (chart) { chart.destroy(); chart = null; }
      if (typeof uPlot === "undefined") { chartBox.replaceChildren(notice("The chart library did not load.", true)); return; }
      const width = Math.max(280, chartBox.clientWidth || main().clientWidth - 40);
      const span = [Date.parse(report.since) / 1000, Date.parse(report.until) / 1000];
      chart = new uPlot({
        width, height: 240,
        scales: { x: { time: true, range: () => span } },
        series: chartSeries(["received", (u, v) => rate(v)], ["sent", (u, v) => rate(v)]),
        axes: chartAxes(rate, 80),
      }, [xs, rx, tx], chartBox);
      window.holtChart = chart;
    }

    const ranges = h("div", { class: "toolbar", role: "group", "aria-label": "Span" },
      ["24h", "7d", "90d"].map((r) => h("button", { type: "button", "aria-pressed": r === range ? "true" : "false", text: r,
        onclick: (e) => { range = r; for (const b of ranges.querySelectorAll("button")) b.setAttribute("aria-pressed", b === e.target ? "true" : "false"); loadHistory(); } })));
    async function loadRelated() {
      const checks = state.monitor ? state.monitor.checks.filter((c) => c.peer === name) : [];
      let exposures = [];
      try { exposures = (await api("GET", "/api/firewall")).exposures.filter((x) => x.peer === name); } catch (e) { exposures = []; }
      redraw(related,
        h("h2", { text: "Checks that reach it" }),
        table("Checks", ["Check", "Target", "Result", "Latency"], checks.map((c) => h("tr", {},
          h("td", { text: c.name }), h("td", { text: c.target }), h("td", {}, stateBadge(c.ok === null ? "never" : c.ok ? "up" : "down")),
          h("td", { class: "num", text: c.latency_ms === null ? "-" : c.latency_ms.toFixed(1) + " ms" }))), "No check targets this peer."),
        h("h2", { text: "Its exposed ports" }),
        table("Exposed ports", ["Public port", "Port on the peer", "From"], exposures.map((x) => h("tr", {},
          h("td", { text: x.protocol.toUpperCase() + " " + x.public_port }), h("td", { text: String(x.to_port) }), h("td", { text: x.sources.length ? x.sources.join(", ") : "anyone" }))), "No port goes to this peer."));
    }

    draw();
    show("Peer " + name, facts, actions, h("div", { class: "panel" }, h("h2", { text: "Traffic" }), ranges, chartBox, status), h("div", { class: "panel" }, sessions), related);
    loadHistory();
    loadRelated();
    return { update: draw };
  }

  function removeDialog(name) {
    const error = h("p", { class: "error", role: "alert" });
    const dialog = h("dialog", { "aria-labelledby": "remove-title" },
      h("h2", { id: "remove-title", text: "Remove " + name + "?" }),
      h("p", { text: "Its keys are deleted and its device can no longer connect. This cannot be undone." }),
      error,
      h("div", { class: "toolbar" },
        h("button", { type: "button", class: "danger", text: "Remove " + name, onclick: async () => {
          try {
            await api("DELETE", "/api/peers/" + encodeURIComponent(name));
            state.peers.delete(name);
            dialog.close();
            location.hash = "#/peers";
          } catch (e) { error.textContent = e.message; }
        } }),
        h("button", { type: "button", text: "Cancel", onclick: () => dialog.close() })));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "-";
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
    return Math.floor(seconds / 86400) + " d " + Math.floor((seconds % 86400) / 3600) + " h";
  }

  function table(label, headers, rows, empty) {
    if (rows.length === 0) return h("p", { class: "muted", text: empty });
    return h("table", { "aria-label": label },
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { class: x.startsWith("#") ? "num" : "", text: x.replace(/^#/, "") })))),
      h("tbody", {}, rows));
  }

  function guardPage() {
    const cards = h("div", { class: "cards" });
    const bans = h("div", { class: "panel" });
    const bansTable = h("div");
    const history = h("div", { class: "panel" });
    const jails = h("div", { class: "panel" });
    const auth = h("div", { class: "panel", "data-test": "auth" }, h("h2", { text: "SSH authentication, last 24 hours" }), h("p", { class: "muted", text: "Reading sshd's log…" }));
    const message = h("p", { role: "status", class: "muted" });
    let report = null;
    let loadedAt = 0;

    const address = h("input", { type: "text", name: "address", required: true, autocomplete: "off", placeholder: "203.0.113.9 or 198.51.100.0/24" });
    const time = h("select", { name: "time" }, ["1h", "12h", "1d", "7d", "30d"].map((t) => h("option", { value: t, text: t })));
    const banForm = h("form", { class: "toolbar", "aria-label": "Ban an address" },
      h("label", {}, "Address", address), h("label", {}, "For", time), h("button", { type: "submit", class: "danger", text: "Ban" }));
    banForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const done = await api("POST", "/api/guard/bans", { address: address.value.trim(), time: time.value });
        message.textContent = done.message;
        address.value = "";
        await load();
      } catch (e) { message.textContent = e.message; }
    });

    function draw() {
      if (!report) return;
      const elapsed = Math.floor((Date.now() - loadedAt) / 1000);
      redraw(cards,
        h("section", { class: "card" }, h("h2", { text: "Guard" }), h("div", { class: "big", text: report.running ? "running" : "not running" }),
          h("div", { class: "sub", text: report.jails.length + " jails" })),
        h("section", { class: "card" }, h("h2", { text: "Banned now" }), h("div", { class: "big", "data-test": "banned", text: String(report.bans.length) })),
        h("section", { class: "card" }, h("h2", { text: "Bans today" }), h("div", { class: "big", text: report.bans_today === null ? "-" : String(report.bans_today) }),
          h("div", { class: "sub", text: "UTC day" })));
      // The form stays put (a live reload must not take what is being typed, or the focus); only the table is redrawn.
      if (bans.childElementCount === 0) bans.append(h("h2", { text: "Current bans" }), banForm, message, bansTable);
      redraw(bansTable,
        table("Current bans", ["Address", "Jail", "Time left", "Actions"], report.bans.map((b) => h("tr", { "data-ban": b.address },
          h("td", { text: b.address }), h("td", { text: b.jail || "-" }),
          h("td", {}, b.remaining_seconds === null ? "-" : h("span", { title: b.expires ? new Date(b.expires).toLocaleString() : "", text: duration(Math.max(0, b.remaining_seconds - elapsed)) })),
          h("td", {}, h("button", { type: "button", "aria-label": "Unban " + b.address, text: "Unban", onclick: async (e) => {
            e.target.disabled = true;
            try { const done = await api("DELETE", "/api/guard/bans?address=" + encodeURIComponent(b.address)); message.textContent = done.message; await load(); }
            catch (err) { message.textContent = err.message; e.target.disabled = false; }
          } })))), "Nothing is banned."));
      jails.replaceChildren(h("h2", { text: "Jails" }),
        table("Jails", ["Jail", "Filter", "Reads", "#Failures", "#Bans"], report.jails.map((j) => h("tr", {},
          h("td", { text: j.name }), h("td", { text: j.filter }), h("td", { text: j.sources.join(", ") || "-" }),
          h("td", { class: "num", text: String(j.failures) }), h("td", { class: "num", text: String(j.bans) }))), "The guard is not running: holt up runs it when [guard] has jails."));
      history.replaceChildren(h("h2", { text: "Top sources, last 7 days" }),
        table("Top sources", ["Address", "#Bans", "Last banned", "Jail"], report.top_sources.map((t) => h("tr", {},
          h("td", { text: t.address }), h("td", { class: "num", text: String(t.bans) }), h("td", {}, ago(t.last_banned)), h("td", { text: t.jail }))), "No bans in the last 7 days."),
        h("h2", { text: "Bans per day" }),
        table("Bans per day", ["Day", "#Bans"], report.bans_per_day.map((d) => h("tr", {}, h("td", { text: d.day }), h("td", { class: "num", text: String(d.bans) }))), "None."));
    }

    async function load() {
      try { report = await api("GET", "/api/guard"); loadedAt = Date.now(); draw(); }
      catch (e) { cards.replaceChildren(notice(e.message, true)); }
    }

    async function loadAuth() {
      let view;
      try { view = await api("GET", "/api/guard/auth"); } catch (e) { auth.replaceChildren(h("h2", { text: "SSH authentication, last 24 hours" }), notice(e.message, true)); return; }
      const top = Math.max(1, ...view.attempts_per_hour.map((x) => x.attempts));
      auth.replaceChildren(h("h2", { text: "SSH authentication, last 24 hours" }),
        h("p", { text: view.failed_attempts + " failed attempts (" + view.invalid_user_attempts + " for users that do not exist), " + view.successful_logins + " logins" }),
        h("h3", { text: "Attempts per hour" }),
        table("Attempts per hour", ["Hour", "#Attempts", ""], view.attempts_per_hour.map((x) => h("tr", {},
          h("td", {}, ago(x.hour)), h("td", { class: "num", text: String(x.attempts) }),
          h("td", {}, h("meter", { min: "0", max: String(top), value: String(x.attempts), "aria-label": x.attempts + " attempts" })))), "No attempt."),
        h("h3", { text: "Top sources" }),
        table("Top sources of attempts", ["Address", "#Attempts", "First", "Last"], view.top_sources.map((x) => h("tr", {},
          h("td", { text: x.address }), h("td", { class: "num", text: String(x.attempts) }), h("td", {}, ago(x.first_seen)), h("td", {}, ago(x.last_seen)))), "None."),
        h("h3", { text: "Top user names tried" }),
        table("Top user names", ["User", "#Attempts"], view.top_users.map((x) => h("tr", {}, h("td", { text: x.name }), h("td", { class: "num", text: String(x.count) }))), "None."));
    }

    show("Guard", cards, bans, jails, history, auth);
    load();
    loadAuth();
    const timer = setInterval(() => { if (state.view && state.view.timer === timer) load(); else clearInterval(timer); }, 5000);
    return { update: draw, timer };
  }

  function firewallPage() {
    const cards = h("div", { class: "cards" });
    const rules = h("div", { class: "panel" });
    const exposures = h("div", { class: "panel" });
    const exposuresTable = h("div");
    const message = h("p", { role: "status", class: "muted", "data-test": "firewall-message" });
    let view = null;
    let loadedAt = 0;

    async function change(method, path, body) {
      try {
        const pending = await api(method, path, body);
        message.textContent = pending.message;
        await load();
      } catch (e) { message.textContent = e.message; }
    }

    async function confirm(force) {
      try {
        const done = await api("POST", "/api/firewall/confirm", { force });
        message.textContent = done.message;
        await load();
      } catch (e) { message.textContent = e.message; }
    }

    const port = h("input", { type: "number", name: "public_port", min: "1", max: "65535", required: true, "aria-label": "Public port" });
    const protocol = h("select", { name: "protocol", "aria-label": "Protocol" }, h("option", { value: "tcp", text: "TCP" }), h("option", { value: "udp", text: "UDP" }));
    const peer = h("select", { name: "peer", "aria-label": "Peer" });
    const toPort = h("input", { type: "number", name: "to_port", min: "1", max: "65535", placeholder: "same", "aria-label": "Port on the peer" });
    const sources = h("input", { type: "text", name: "sources", placeholder: "anyone, or 198.51.100.0/24,…", "aria-label": "Allowed sources" });
    const snat = h("input", { type: "checkbox", name: "snat" });
    const within = h("select", { name: "confirm_timeout", "aria-label": "Roll back unless confirmed within" },
      [["60", "60 s"], ["15", "15 s"], ["120", "2 min"], ["300", "5 min"]].map(([v, t]) => h("option", { value: v, text: t })));
    const form = h("form", { class: "toolbar", "aria-label": "Expose a port" },
      h("label", {}, "Port", port), protocol, h("label", {}, "to", peer), h("label", {}, "port", toPort), sources,
      h("label", {}, snat, "masquerade"), h("label", {}, "confirm within", within), h("button", { type: "submit", class: "primary", text: "Expose" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      change("POST", "/api/exposures", {
        public_port: Number(port.value), protocol: protocol.value, peer: peer.value, to_port: toPort.value ? Number(toPort.value) : null,
        sources: sources.value ? sources.value.split(",").map((x) => x.trim()).filter((x) => x) : [], snat: snat.checked,
        confirm_timeout: Number(within.value),
      });
    });

    function draw() {
      if (!view) return;
      const left = view.pending_seconds === null ? null : Math.max(0, view.pending_seconds - Math.floor((Date.now() - loadedAt) / 1000));
      const local = state.session.kind !== "admin-peer";
      const force = h("input", { type: "checkbox", name: "force" });
      redraw(cards,
        h("section", { class: "card" }, h("h2", { text: "Firewall" }), h("div", { class: "big", "data-test": "firewall-state", text: view.enabled ? "locked down" : "not enabled" }),
          h("div", { class: "sub", text: view.loaded === null ? "" : view.loaded ? (view.intact === false ? "table loaded, changed by someone: being repaired" : "table loaded") : "table not loaded" })),
        left === null
          ? h("section", { class: "card" }, h("h2", { text: "Changes" }), h("div", { class: "sub", text: "Changes here load at once and roll back unless you confirm them." }),
            view.enabled ? null : h("button", { type: "button", class: "primary", text: "Apply the firewall", onclick: () => change("POST", "/api/firewall/apply", {}) }))
          : h("section", { class: "card", role: "alert" }, h("h2", { text: "Waiting for your confirmation" }),
            h("div", { class: "big", "data-test": "pending", text: left + " s left" }),
            h("div", { class: "sub", text: "If you can still reach this page and what you need, confirm. Otherwise it rolls back by itself." }),
            local ? h("label", {}, force, "I am on an SSH forward; confirm anyway") : null,
            h("button", { type: "button", class: "primary", text: "Confirm", onclick: () => confirm(local && force.checked) })));
      rules.replaceChildren(h("h2", { text: "Rules in plain words" }), h("ul", { "data-test": "rules" }, view.rules.map((r) => h("li", { text: r }))));
      if (peer.options.length !== view.peers.length) peer.replaceChildren(...view.peers.map((n) => h("option", { value: n, text: n })));
      if (exposures.childElementCount === 0) exposures.append(h("h2", { text: "Exposed ports" }), form, message, exposuresTable);
      redraw(exposuresTable,
        table("Exposed ports", ["Port", "Peer", "Port on the peer", "From", "Masquerade", "Actions"], view.exposures.map((x) => h("tr", { "data-exposure": x.protocol + "/" + x.public_port },
          h("td", { text: x.protocol.toUpperCase() + " " + x.public_port }),
          h("td", {}, x.peer, x.peer_active ? null : h("span", { class: "state down", text: "peer disabled" })),
          h("td", { text: String(x.to_port) }), h("td", { text: x.sources.length ? x.sources.join(", ") : "anyone" }), h("td", { text: x.snat ? "yes" : "no" }),
          h("td", {}, h("button", { type: "button", class: "danger", "aria-label": "Stop exposing " + x.protocol + " " + x.public_port, text: "Remove",
            onclick: () => change("DELETE", "/api/exposures?port=" + x.public_port + "&protocol=" + x.protocol) })))), "No port is exposed."));
    }

    async function load() {
      try { view = await api("GET", "/api/firewall"); loadedAt = Date.now(); draw(); }
      catch (e) { cards.replaceChildren(notice(e.message, true)); }
    }

    show("Firewall and exposures", cards, rules, exposures);
    load();
    const timer = setInterval(() => {
      if (!state.view || state.view.timer !== timer) { clearInterval(timer); return; }
      if (view && view.pending_seconds !== null) {
        // Only the countdown's text changes: the Confirm button stays the same element (and keeps the focus).
        const left = Math.max(0, view.pending_seconds - Math.floor((Date.now() - loadedAt) / 1000));
        const countdown = cards.querySelector("[data-test=pending]");
        if (countdown) countdown.textContent = left + " s left";
        if ((Date.now() - loadedAt) / 1000 > view.pending_seconds) load();
      }
    }, 1000);
    return { update: null, timer };
  }

  function checksPage() {
    const current = h("div", { class: "panel" });
    const charts = h("div", { class: "panel" });
    const alerts = h("div", { class: "panel" });
    const notices = h("div", { class: "panel" });
    const result = h("div", { role: "status", "data-test": "notify-result" });
    let plots = [];

    function latencyChart(series) {
      const box = h("div", { class: "chart small", "data-check": series.check, "data-points": String(series.points.length) });
      const xs = series.points.map((p) => Date.parse(p.at) / 1000);
      const ys = series.points.map((p) => (p.ok ? p.latency_ms : null));
      const wrap = h("section", { "aria-label": "Latency of " + series.check }, h("h3", { text: series.check }), box);
      if (typeof uPlot !== "undefined" && xs.length > 0) {
        requestAnimationFrame(() => {
          plots.push(new uPlot({
            width: Math.max(280, box.clientWidth || 600), height: 140,
            series: chartSeries(["latency", (u, v) => (v === null ? "failed" : v.toFixed(1) + " ms")]),
            axes: chartAxes((v) => v + " ms", 60),
          }, [xs, ys], box));
        });
      } else if (xs.length === 0) {
        box.append(h("p", { class: "muted", text: "No result yet." }));
      }
      return wrap;
    }

    async function load() {
      let page;
      try { page = await api("GET", "/api/checks"); } catch (e) { current.replaceChildren(notice(e.message, true)); return; }
      for (const plot of plots) plot.destroy();
      plots = [];
      current.replaceChildren(h("h2", { text: "Checks" }),
        table("Checks", ["Check", "Type", "Target", "Result", "Latency", "When", "Detail"], page.checks.map((c) => h("tr", { "data-check": c.name },
          h("td", { text: c.name }), h("td", { text: c.type }), h("td", { text: c.target }),
          h("td", {}, stateBadge(c.ok === null ? "never" : c.ok ? "up" : "down")),
          h("td", { class: "num", text: c.latency_ms === null ? "-" : c.latency_ms.toFixed(1) + " ms" }),
          h("td", {}, c.at ? ago(c.at) : "-"), h("td", { text: c.ok ? (c.summary || "") : (c.error || "") }))), "No [[monitor.check]] in holt.toml."));
      charts.replaceChildren(h("h2", { text: "Latency, last 24 hours (since the daemon started)" }), ...page.history.map(latencyChart));
      redraw(alerts, h("h2", { text: "Alerts now" }),
        table("Alerts now", ["Alert", "Phase", "Severity", "Since", "Why"], page.alerts.map((a) => h("tr", {},
          h("td", { text: a.summary }), h("td", {}, stateBadge(a.phase)), h("td", { text: a.severity }), h("td", {}, ago(a.since)), h("td", { text: a.description }))), "No alert is pending or firing."));
      const send = h("button", { type: "button", text: "Send test notification", disabled: page.notifiers.length === 0, onclick: async () => {
        send.disabled = true;
        result.replaceChildren(h("p", { class: "muted", text: "Sending…" }));
        try {
          const sent = await api("POST", "/api/alerts/test", {});
          result.replaceChildren(h("ul", {}, sent.map((r) => h("li", { text: r.notifier + " (" + r.type + "): " + (r.ok ? "ok" : "failed: " + r.error) }))));
        } catch (e) { result.replaceChildren(notice(e.message, true)); }
        send.disabled = false;
      } });
      notices.replaceChildren(h("h2", { text: "Notices sent, last 7 days" }),
        h("div", { class: "toolbar" }, send, h("span", { class: "muted", text: page.notifiers.length ? "to " + page.notifiers.join(", ") : "no [[monitor.notify]] in holt.toml" })), result,
        table("Notices sent", ["When", "Notice", "Summary", "Why"], page.notices.map((m) => h("tr", {},
          h("td", {}, ago(m.ends_at || m.starts_at)), h("td", {}, stateBadge(m.resolved ? "up" : "firing")), h("td", { text: m.summary }), h("td", { text: m.description }))), "No notice was sent."));
    }

    show("Checks and alerts", current, charts, alerts, notices);
    load();
    const timer = setInterval(() => { if (!state.view || state.view.timer !== timer) { clearInterval(timer); for (const plot of plots) plot.destroy(); } else load(); }, 15000);
    return { update: null, timer };
  }

  // The last full audit, the report holt audit --json prints: worst first, each finding opening to its evidence,
  // why it matters and the fix, then the areas that could not be checked and why.
  function auditPage() {
    const cards = h("div", { class: "cards" });
    const findings = h("div", { class: "panel", "data-test": "findings", hidden: true });
    const areas = h("div", { class: "panel", "data-test": "areas", hidden: true });
    const message = h("p", { role: "status", class: "muted", "data-test": "audit-message" });
    const run = h("button", { type: "button", class: "primary", text: "Run the audit now", onclick: async () => {
      run.disabled = true;
      message.textContent = "Auditing the machine (this takes a few seconds)…";
      try {
        draw(await api("POST", "/api/audit/run", {}));
        message.textContent = "Audited just now.";
      } catch (e) { message.textContent = e.message; }
      run.disabled = false;
    } });

    function draw(report) {
      const level = report.critical > 0 ? "poor" : report.warnings > 0 ? "fair" : "good";
      redraw(cards,
        h("section", { class: "card", "aria-label": "Score" },
          h("h2", { text: "Score" }),
          h("div", { class: "big score " + level, "data-test": "audit-score", text: report.score + "/100" }),
          h("div", { class: "sub", "data-test": "audit-summary", text: report.summary })),
        h("section", { class: "card", "aria-label": "Findings" },
          h("h2", { text: "Findings" }),
          h("div", { class: "big", text: String(report.findings.length) }),
          h("div", { class: "sub", text: report.critical + " critical, " + report.warnings + " warnings, " + report.info + " info" })),
        h("section", { class: "card", "aria-label": "Last run" },
          h("h2", { text: "Last run" }),
          h("div", { class: "big" }, ago(report.time)),
          h("div", { class: "sub", text: "on " + report.host })));
      findings.hidden = false;
      findings.replaceChildren(h("h2", { text: "Findings, worst first" }),
        report.findings.length === 0
          ? h("p", { class: "muted", text: "Nothing found in the areas checked." })
          : h("ul", { class: "findings" }, report.findings.map((f) => h("li", { "data-finding": f.id },
            h("details", {},
              h("summary", {}, h("span", { class: "state " + f.severity, text: f.severity }), " ", h("code", { text: f.id }), " ", h("span", { text: f.title })),
              h("dl", {},
                h("dt", { text: "Found" }), h("dd", {}, h("pre", { text: f.evidence })),
                h("dt", { text: "Why it matters" }), h("dd", { text: f.why }),
                h("dt", { text: "Fix" }), h("dd", {}, h("pre", { text: f.fix }),
                  f.fixable ? h("p", { class: "muted", text: "On the gateway, holt audit fix " + (f.safe ? "--safe" : f.id) + " makes it." }) : null)))))));
      const checked = report.areas.filter((a) => a.checked).map((a) => a.area);
      const unchecked = report.areas.filter((a) => !a.checked);
      areas.hidden = false;
      areas.replaceChildren(h("h2", { text: "Areas" }),
        h("p", { text: "Checked: " + (checked.length ? checked.join(", ") : "none") + "." }),
        unchecked.length === 0 ? null : h("h3", { text: "Not checked" }),
        unchecked.length === 0 ? null : h("ul", { "data-test": "unchecked" }, unchecked.map((a) => h("li", { "data-area": a.area }, h("strong", { text: a.area }), ": " + (a.note || "")))));
    }

    async function load() {
      try { draw(await api("GET", "/api/audit")); }
      catch (e) { cards.replaceChildren(notice(e.message, !e.message.startsWith("no audit has run yet"))); }
    }

    show("Audit", h("div", { class: "toolbar" }, run, message), cards, findings, areas);
    load();
    return { update: null };
  }

  // uPlot draws on a canvas, which the style sheet cannot reach: a chart takes the theme's colours when it is made,
  // and a change of the system's theme redraws the page.
  function themeColour(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }
  function chartSeries(...labelsAndFormats) {
    const colours = [themeColour("--accent", "#1f6feb"), themeColour("--ok", "#1a7f37")];
    return [{}, ...labelsAndFormats.map(([label, value], i) => ({ label, value, stroke: colours[i % colours.length], width: 1.5 }))];
  }
  function chartAxes(format, size) {
    const line = { stroke: themeColour("--line", "#d9dde3"), width: 1 };
    const axis = { stroke: themeColour("--muted", "#5c6570"), grid: line, ticks: line };
    return [axis, { ...axis, values: (u, ticks) => ticks.map((v) => format(v)), size }];
  }

  function route() {
    const hash = location.hash || "#/";
    for (const link of document.querySelectorAll("header nav a")) {
      const target = link.getAttribute("href");
      if ((target === "#/" && hash === "#/") || (target !== "#/" && hash.startsWith(target))) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (hash.startsWith("#/peer/")) state.view = peerPage(decodeURIComponent(hash.slice(7)));
    else if (hash === "#/peers") state.view = peersPage();
    else if (hash === "#/checks") state.view = checksPage();
    else if (hash === "#/guard") state.view = guardPage();
    else if (hash === "#/firewall") state.view = firewallPage();
    else if (hash === "#/audit") state.view = auditPage();
    else state.view = overview();
  }

  async function start() {
    try {
      state.session = await api("GET", "/api/session");
      await refresh();
    } catch (e) {
      show("Holt", notice(e.message, true));
      return;
    }
    const who = document.getElementById("who");
    who.replaceChildren(h("span", { text: state.session.who + " on " + state.session.interface }));
    if (state.session.kind === "local-session") {
      who.append(h("button", { type: "button", text: "Log out", onclick: async () => { await api("POST", "/api/logout"); location.reload(); } }));
    }
    window.addEventListener("hashchange", route);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", route);
    route();
    listen();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
