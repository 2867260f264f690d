// The platform page: plain JavaScript, SVG and the browser's EventSource, no framework
// and nothing fetched from another origin (controller/webd/README.md says why). It logs
// in, opens /api/events (a PlatformView per poll, controller/webd/view.ts) and redraws;
// actions are POST /api/action with the session's CSRF token.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  let session = null; // {who, role, csrf}
  let source = null;
  let view = null;
  /** allocation id → [{t, packets, bytes}], for the plots (the last 120 polls) */
  const history = new Map();

  function el(tag, attrs = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs = {}, ...kids) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) if (k === 'text') e.textContent = v; else e.setAttribute(k, String(v));
    for (const k of kids.flat()) if (k) e.append(k);
    return e;
  }
  const fmt = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : String(n));
  const ago = (ms) => (ms < 1000 ? `${ms} ms ago` : `${(ms / 1000).toFixed(1)} s ago`);

  async function api(path, body) {
    const opts = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json', ...(session?.csrf ? { 'X-CSRF-Token': session.csrf } : {}) }, body: JSON.stringify(body) };
    const r = await fetch(path, { credentials: 'same-origin', ...opts });
    const data = await r.json().catch(() => ({ message: `HTTP ${r.status}` }));
    if (r.status === 401 && path !== '/api/login') showLogin();
    return { status: r.status, data };
  }
  const act = (action, arg) => api('/api/action', { action, arg });

  // ---- session --------------------------------------------------------------------
  function showLogin() {
    session = null;
    source?.close();
    source = null;
    $('login').hidden = false;
    $('main').hidden = true;
    $('who').hidden = true;
    $('logout').hidden = true;
    $('status').textContent = 'not logged in';
  }
  function started(s) {
    session = s;
    document.body.classList.toggle('readonly', s.role !== 'operator');
    $('login').hidden = true;
    $('main').hidden = false;
    $('who').hidden = false;
    $('who').textContent = `${s.who} (${s.role === 'operator' ? 'operator' : 'read-only'})`;
    $('logout').hidden = false;
    connect();
  }
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { status, data } = await api('/api/login', { secret: $('secret').value });
    $('secret').value = '';
    if (status !== 200) $('login-error').textContent = data.message || 'login failed';
    else {
      $('login-error').textContent = '';
      started(data);
    }
  });
  $('logout').addEventListener('click', async () => {
    await api('/api/logout', {});
    showLogin();
  });

  function connect() {
    source?.close();
    source = new EventSource('/api/events');
    source.addEventListener('view', (ev) => {
      view = JSON.parse(ev.data);
      render();
    });
    source.onerror = () => {
      $('status').textContent = 'reconnecting…';
      // a stream refused for want of a session: back to the login form
      void fetch('/api/session', { credentials: 'same-origin' }).then(async (r) => !(await r.json()).who && showLogin());
    };
  }

  // ---- rendering --------------------------------------------------------------------
  function render() {
    const v = view;
    $('status').textContent = `updated ${new Date(v.time).toLocaleTimeString()}`;
    $('status').dataset.time = v.time;
    const errs = Object.entries(v.errors).map(([k, m]) => `${k}: ${m}`);
    if (!v.switch.monitored) errs.push('no monitord configured: no switch counters');
    else if (!v.switch.ok) errs.push(`switch: ${v.switch.error}`);
    $('errors').textContent = errs.join('\n');
    $('note').textContent = v.note;
    for (const a of v.allocations) {
      const h = history.get(a.id) ?? [];
      if (!h.length || h[h.length - 1].t !== v.time) h.push({ t: v.time, packets: a.packets, bytes: a.bytes });
      if (h.length > 120) h.shift();
      history.set(a.id, h);
    }
    for (const id of history.keys()) if (!v.allocations.some((a) => a.id === id)) history.delete(id);
    $('hosts').replaceChildren(...(v.hosts.length ? v.hosts.map(hostCard) : [el('p', { class: 'muted', text: 'No module host is registered.' })]));
    $('allocations').replaceChildren(...(v.allocations.length ? v.allocations.map(allocationCard) : [el('p', { class: 'muted', text: 'No allocation is installed.' })]));
    guestOptions(v);
  }

  function hostCard(h) {
    const used = h.total_memory_mib - h.free_memory_mib;
    const pct = h.total_memory_mib ? Math.round((100 * used) / h.total_memory_mib) : 0;
    const cpu = h.stats?.cpuPercent;
    return el('div', { class: 'card host', 'data-host': h.host_id },
      el('h3', {}, el('span', { text: h.host_id }), el('span', { class: `badge ${h.health}`, text: h.health === 'ok' ? 'alive' : 'late' }), el('span', { class: 'muted', text: h.hostname })),
      el('div', { class: 'muted', text: `last heartbeat ${ago(h.last_seen_ms_ago)} · ${h.heartbeats} heartbeats` }),
      el('div', { text: `${h.cores} CPUs${cpu === null || cpu === undefined ? '' : ` · ${cpu.toFixed(1)} % busy`} · memory ${used} / ${h.total_memory_mib} MiB` }),
      memoryBar(pct),
      h.guestsError ? el('div', { class: 'error', text: `list_pms: ${h.guestsError}` }) : null,
      el('ul', { class: 'guests' }, h.guests.map((g) => guestItem(h, g))),
    );
  }

  function memoryBar(pct) {
    const fill = el('span');
    fill.style.width = `${pct}%`; // through the CSSOM: the CSP refuses style attributes
    return el('div', { class: 'bar', title: `${pct} % of memory used` }, fill);
  }

  function guestItem(h, g) {
    const dom = h.stats?.domains?.find((d) => d.domid === g.domid);
    return el('li', { 'data-guest': g.name },
      el('div', {}, el('strong', { text: g.name }), el('span', { class: 'muted', text: ` domid ${g.domid}${dom ? ` · ${dom.memoryMiB} MiB · state ${dom.state}` : ''}` })),
      g.routers.map((r) =>
        el('div', { class: 'router', 'data-rid': r.rid },
          el('span', { text: `router ${r.rid}` }),
          el('span', { class: `badge ${r.status === 'Running' ? 'ok' : 'late'}`, 'data-testid': 'router-status', text: r.status }),
          el('span', { class: 'muted', text: r.configName ?? '(no config name)' }),
          el('button', { class: 'small operator', type: 'button', disabled: r.status === 'Running', onclick: () => routerAction('start_router', h, g, r) }, 'Start'),
          el('button', { class: 'small operator', type: 'button', disabled: r.status !== 'Running', onclick: () => routerAction('stop_router', h, g, r) }, 'Stop'),
        ),
      ),
    );
  }

  async function routerAction(action, h, g, r) {
    const { data } = await act(action, { host: h.host_id, pm: g.name, rid: r.rid });
    $('errors').textContent = data.ok ? '' : `${action} ${g.name}: ${data.message}`;
  }

  function allocationCard(a) {
    const hist = history.get(a.id) ?? [];
    return el('div', { class: 'card allocation', 'data-allocation': a.id },
      el('h3', {}, el('span', { text: `Allocation ${a.id}` }), el('span', { class: `badge ${a.degraded ? 'degraded' : a.state === 'installed' ? 'ok' : 'late'}`, text: a.degraded ? 'degraded' : a.state }), el('span', { class: 'muted', text: a.createdAt })),
      a.degraded ? el('div', { class: 'degraded', text: a.degraded }) : null,
      a.graph ? graph(a) : el('div', { class: 'error', text: 'the request no longer parses' }),
      a.balanced ? balancedGroup(a.balanced) : null,
      el('div', { 'data-testid': 'totals', 'data-packets': a.packets, 'data-bytes': a.bytes, text: `switch: ${a.flows.length} flow(s) · ${fmt(a.packets)} packets · ${fmtBytes(a.bytes)}` }),
      plot(hist),
      a.flows.length
        ? flowsTable(a, el('table', {},
            el('thead', {}, el('tr', {}, el('th', { text: 'flow match' }), el('th', { text: 'actions' }), el('th', { class: 'num', text: 'packets' }), el('th', { class: 'num', text: 'bytes' }))),
            el('tbody', {}, a.flows.map((f) => el('tr', {}, el('td', { text: f.match }), el('td', { text: f.actions }), el('td', { class: 'num', text: String(f.packets) }), el('td', { class: 'num', text: String(f.bytes) })))),
          ))
        : null,
      el('div', { class: 'buttons' }, el('button', { class: 'danger operator', type: 'button', 'data-testid': 'delete', onclick: () => deleteAllocation(a.id) }, 'Delete')),
    );
  }

  /**
   * A balanced module's group (get_pm_info's `balanced`): field and generation, and per
   * replica its PM, host, prefixes ("everything else" for the default: the catch-all) and
   * measured load — packets in (its vifs, summed by resourced) and its share of the group's.
   */
  function balancedGroup(b) {
    const total = b.replicas.reduce((n, r) => n + (r.load ? r.load.inPackets : 0), 0);
    const load = (r) => !r.load ? 'not measured yet'
      : `${fmt(r.load.inPackets)} pkt${total ? ` · ${((100 * r.load.inPackets) / total).toFixed(1)} %` : ''}`;
    return el('div', { class: 'balanced', 'data-testid': 'balanced', 'data-module': b.module },
      el('div', { class: 'small', text: `${b.module}: balanced by ${b.field} over ${b.replicas.length} replica(s) · generation ${b.generation}${b.leaving.length ? ` · leaving ${b.leaving.join(', ')}` : ''}` }),
      el('div', { class: 'scroll' }, el('table', {},
        el('thead', {}, el('tr', {}, ['replica · PM', 'host', 'prefixes', 'load in'].map((h, k) => el('th', { class: k === 3 ? 'num' : null, text: h })))),
        el('tbody', {}, b.replicas.map((r) =>
          el('tr', { 'data-replica': r.module, 'data-pm': r.pm, 'data-host': r.host, 'data-default': String(r.default), 'data-prefixes': r.prefixes.join(' '), 'data-in-packets': r.load ? r.load.inPackets : '' },
            // the PM under its replica: two short lines keep the row narrow on a phone
            el('td', {}, el('div', { 'data-testid': 'replica', text: r.module }), el('div', { class: 'muted small', 'data-testid': 'pm', text: r.pm })),
            el('td', { 'data-testid': 'host', text: r.host }),
            el('td', { class: 'prefixes', 'data-testid': 'prefixes', title: r.default ? `the catch-all, and ${r.prefixes.length} prefix(es) of its own: ${r.prefixes.join(' ')}` : null, text: r.default ? `everything else${r.prefixes.length ? ` (${r.prefixes.join(' ')})` : ''}` : r.prefixes.join(' ') }),
            el('td', { 'data-testid': 'load', class: r.load ? 'num load' : 'num load muted', title: r.load ? `measured ${r.load.time}: ${r.load.inPackets} packets, ${r.load.inBytes} bytes in; ${r.load.outPackets} packets, ${r.load.outBytes} bytes out` : null, text: load(r) }),
          ))),
      )),
    );
  }

  /** The flows' table, folded (the edges carry the counters); kept open across redraws once opened. */
  const openFlows = new Set();
  function flowsTable(a, table) {
    const d = el('details', { class: 'scroll', open: openFlows.has(a.id) }, el('summary', { text: `the switch's ${a.flows.length} flow(s)` }), table);
    d.addEventListener('toggle', () => (d.open ? openFlows.add(a.id) : openFlows.delete(a.id)));
    return d;
  }

  async function deleteAllocation(id) {
    if (!window.confirm(`Delete allocation ${id} and its PMs?`)) return;
    const { data } = await act('delete', id);
    $('errors').textContent = data.ok ? '' : `delete ${id}: ${data.message}`;
  }

  /** Bytes in SI units: 512 B, 1.5 kB, 2.0 MB. */
  const fmtBytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
  const linkKey = (l) => `${l.from}[${l.fromPort}]->[${l.toPort}]${l.to}`;

  /**
   * The request's graph: columns by longest path from the FromNets (links that close a
   * loop, the way back of a two-way chain, left out), each module with its host, each
   * port at its own height, and on each edge its flow's packets and bytes (view.ts
   * counters; "?" when no flow can be told to be its own). Drawn 1:1 in a box that
   * scrolls sideways, so the labels stay readable on a phone.
   */
  function graph(a) {
    const { nodes, links } = a.graph;
    const NW = 104, NH = 40, GAP = 136, W = NW + GAP, H = 66, LH = 15;
    const out = new Map(nodes.map((n) => [n.name, []]));
    links.forEach((l, i) => out.get(l.from)?.push(i));
    const back = new Set();
    const seen = new Map();
    const visit = (name) => {
      seen.set(name, 1);
      for (const i of out.get(name) ?? []) {
        const s = seen.get(links[i].to);
        if (s === 1) back.add(i);
        else if (!s) visit(links[i].to);
      }
      seen.set(name, 2);
    };
    for (const n of nodes) if (n.kind === 'in' && !seen.has(n.name)) visit(n.name);
    for (const n of nodes) if (!seen.has(n.name)) visit(n.name);
    const depth = new Map(nodes.map((n) => [n.name, 0]));
    for (let r = 0; r < nodes.length; r++)
      links.forEach((l, i) => !back.has(i) && depth.has(l.to) && depth.has(l.from) && depth.set(l.to, Math.max(depth.get(l.to), depth.get(l.from) + 1)));
    // modules by depth; a FromNet just before the first module it feeds, a ToNet just after
    // the last that feeds it, so no edge runs across the whole graph through other nodes
    const mcol = new Map(nodes.filter((n) => n.kind === 'module').map((n) => [n.name, Math.max(1, depth.get(n.name))]));
    const ends = (n, dir) => links.filter((l) => (dir > 0 ? l.from : l.to) === n.name).map((l) => mcol.get(dir > 0 ? l.to : l.from)).filter((c) => c !== undefined);
    const maxModule = Math.max(0, ...mcol.values());
    const col = (n) =>
      n.kind === 'module' ? mcol.get(n.name)
      : n.kind === 'in' ? Math.max(0, Math.min(maxModule + 1, ...ends(n, 1)) - 1)
      : Math.max(0, ...ends(n, -1)) + 1;
    const rows = new Map();
    const pos = new Map();
    // modules take the top rows, the network ends below them: the chain reads along a line
    for (const n of [...nodes].sort((x, y) => (x.kind === 'module' ? 0 : 1) - (y.kind === 'module' ? 0 : 1))) {
      const c = col(n);
      const row = rows.get(c) ?? 0;
      rows.set(c, row + 1);
      pos.set(n.name, { x: 10 + c * W, y: 10 + row * H, c, n, ins: 1, outs: 1 });
    }
    for (const l of links) {
      const p = pos.get(l.from), q = pos.get(l.to);
      if (p) p.outs = Math.max(p.outs, l.fromPort + 1);
      if (q) q.ins = Math.max(q.ins, l.toPort + 1);
    }
    const portY = (p, k, n) => p.y + (NH * (k + 1)) / (n + 1);
    // obstacles the labels keep off: the nodes, then each label placed
    const boxes = [...pos.values()].map((p) => ({ x: p.x - 2, y: p.y - 2, w: NW + 4, h: NH + 4 }));
    const hit = (b) => boxes.some((o) => b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h);
    const edges = [];
    const labels = [];
    for (const l of links) {
      const p = pos.get(l.from), q = pos.get(l.to);
      if (!p || !q) continue;
      const y1 = portY(p, l.fromPort, p.outs), y2 = portY(q, l.toPort, q.ins);
      // where the label may go: [x, y on the curve, side (-1 above, 1 below)], best first
      const spots = [];
      let d;
      if (q.c === p.c) {
        // same column: out of the right side and back into it
        const x1 = p.x + NW, x2 = q.x + NW, bx = x1 + GAP * 0.6;
        d = `M${x1},${y1} C${bx},${y1} ${bx},${y2} ${x2},${y2}`;
        spots.push([x1 + GAP * 0.45, (y1 + y2) / 2, 1], [x1 + GAP * 0.45, (y1 + y2) / 2, -1]);
      } else {
        const fwd = q.c > p.c;
        // the way back runs a little lower, so it never lies on the way there between the same ports
        const off = fwd ? 0 : 6;
        const x1 = fwd ? p.x + NW : p.x, x2 = fwd ? q.x : q.x + NW, mx = (x1 + x2) / 2;
        const [v1, v2] = [y1 + off, y2 + off];
        d = `M${x1},${v1} C${mx},${v1} ${mx},${v2} ${x2},${v2}`;
        const yAt = (lx) => {
          let lo = 0, hi = 1, t = 0.5;
          for (let i = 0; i < 24; i++) {
            t = (lo + hi) / 2;
            const x = (1 - t) ** 3 * x1 + 3 * (1 - t) * t * mx + t ** 3 * x2;
            if ((x < lx) === fwd) lo = t; else hi = t;
          }
          return (1 - t) ** 3 * v1 + 3 * (1 - t) ** 2 * t * v1 + 3 * (1 - t) * t ** 2 * v2 + t ** 3 * v2;
        };
        // in each gap the edge crosses, the one before its target first; forward labels
        // above their line, the way back below, then the other side
        const side = fwd ? -1 : 1;
        for (const s of [side, -side])
          for (let j = 0; j < Math.abs(q.c - p.c); j++) {
            const lx = fwd ? x2 - GAP / 2 - j * W : x2 + GAP / 2 + j * W;
            spots.push([lx, yAt(lx), s]);
          }
      }
      edges.push(svg('path', { d, fill: 'none', stroke: '#5b6470', 'stroke-width': 1.2, 'marker-end': `url(#arrow${a.id})`, 'data-link': linkKey(l) },
        svg('title', { text: `${l.from}[${l.fromPort}] → [${l.toPort}]${l.to}` })));
      const c = l.counters;
      const text = c ? `${fmt(c.packets)} pkt · ${fmtBytes(c.bytes)}` : a.flows.length ? '? pkt' : 'no flow';
      const w = text.length * 6.4 + 10;
      const at = ([x, y, s]) => ({ x: x - w / 2, y: s < 0 ? y - 3 - LH : y + 3, w, h: LH, s });
      // the first free spot; none free: the best one, moved off what it covers
      let b = spots.map(at).find((c) => !hit(c));
      if (!b) for (let i = 0, c = (b = at(spots[0])); i < 50 && hit(c); i++) c.y += c.s * (LH + 2);
      const lx = b.x + w / 2;
      boxes.push(b);
      labels.push(svg('g', { class: 'edge-label', 'data-edge-label': linkKey(l), 'data-packets': c ? c.packets : '', 'data-bytes': c ? c.bytes : '' },
        svg('title', { text: c ? `${l.from} → ${l.to}: ${c.packets} packets, ${c.bytes} bytes` : `${l.from} → ${l.to}: no flow of the switch can be told to be this link's` }),
        svg('rect', { x: b.x, y: b.y, width: w, height: LH, rx: 3 }),
        svg('text', { x: lx, y: b.y + LH - 4, 'text-anchor': 'middle', text })));
    }
    const right = Math.max(...boxes.map((o) => o.x + o.w)) + 10;
    const top = Math.min(0, ...boxes.map((o) => o.y - 6));
    const bottom = Math.max(...boxes.map((o) => o.y + o.h)) + 10;
    const g = svg('svg', { class: 'graph', viewBox: `0 ${top} ${right} ${bottom - top}`, role: 'img', 'aria-label': `allocation ${a.id} graph` },
      svg('defs', {}, svg('marker', { id: `arrow${a.id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#5b6470' }))),
      edges);
    for (const { x, y, n } of pos.values()) {
      const fill = n.kind === 'module' ? '#dbe9f6' : '#eef1f4';
      g.append(svg('g', { 'data-node': n.name, 'data-host': n.host ?? '' },
        svg('rect', { x, y, width: NW, height: NH, rx: n.kind === 'module' ? 4 : 16, fill, stroke: '#1f4e79' }),
        svg('text', { x: x + NW / 2, y: y + 17, 'text-anchor': 'middle', text: n.kind === 'module' ? `${n.name} :: ${n.type}` : n.name }),
        svg('text', { x: x + NW / 2, y: y + 32, 'text-anchor': 'middle', fill: '#5b6470', text: n.kind === 'module' ? `on ${n.host ?? '?'}` : n.kind === 'in' ? 'FromNet' : 'ToNet' })));
    }
    g.append(...labels);
    // 1:1 (through the CSSOM: the CSP refuses style attributes); the box around scrolls
    g.style.width = `${right}px`;
    g.style.height = `${bottom - top}px`;
    return el('div', { class: 'graph-box' }, g);
  }

  /** Packets through the allocation's flows over the last polls. */
  function plot(h) {
    const W = 300, H = 60;
    const s = svg('svg', { class: 'plot', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'data-testid': 'plot', 'data-points': h.length });
    if (h.length < 2) return s;
    const t0 = Date.parse(h[0].t), t1 = Date.parse(h[h.length - 1].t) || t0 + 1;
    const max = Math.max(1, ...h.map((p) => p.packets));
    const pts = h.map((p) => `${(((Date.parse(p.t) - t0) / Math.max(1, t1 - t0)) * (W - 4) + 2).toFixed(1)},${(H - 4 - (p.packets / max) * (H - 8)).toFixed(1)}`).join(' ');
    s.append(svg('polyline', { points: pts, fill: 'none', stroke: '#1f4e79', 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }));
    // the caption outside the SVG: the plot stretches to the card's width, text in it would too
    return el('div', {}, el('div', { class: 'muted small', text: `packets over the last ${h.length} polls (max ${fmt(max)})` }), s);
  }

  // ---- install: checked as you type -------------------------------------------------
  let checkTimer = null;
  let checkSeq = 0;
  $('request').addEventListener('input', () => {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 250);
  });
  async function check() {
    const text = $('request').value;
    const seq = ++checkSeq;
    if (!text.trim()) {
      $('check').textContent = '';
      $('marker').textContent = '';
      return;
    }
    const { status, data } = await act('check', text);
    if (seq !== checkSeq) return; // an older answer
    const c = $('check');
    if (status !== 200) {
      c.className = 'check bad';
      c.textContent = data.message;
      return;
    }
    c.className = `check ${data.ok ? 'good' : 'bad'}`;
    c.textContent = data.ok ? `OK: ${data.message}` : data.message;
    c.dataset.checked = String(text.length);
    c.dataset.line = data.error?.line ?? '';
    c.dataset.col = data.error?.col ?? '';
    // the offending line, and a caret under the column the parser names
    $('marker').textContent = data.error ? `${text.split(/\r\n|\n|\r/)[data.error.line - 1] ?? ''}\n${' '.repeat(Math.max(0, data.error.col - 1))}^ line ${data.error.line}, column ${data.error.col}` : '';
  }
  $('install').addEventListener('click', async () => {
    const out = $('install-result');
    out.className = '';
    out.textContent = 'installing…';
    $('install').disabled = true;
    try {
      const { data } = await act('install', $('request').value);
      out.className = data.ok ? 'ok' : 'error';
      out.textContent = data.ok ? `installed: allocation ${data.value} (${data.message})` : data.message;
      if (data.ok) out.dataset.allocation = data.value;
    } finally {
      $('install').disabled = false;
    }
  });

  // ---- handlers ---------------------------------------------------------------------
  function guestOptions(v) {
    const sel = $('h-guest');
    const keep = sel.value;
    const opts = v.hosts.flatMap((h) => h.guests.flatMap((g) => g.routers.map((r) => el('option', { value: JSON.stringify({ host: h.host_id, pm: g.name, rid: r.rid }), text: `${g.name} router ${r.rid} (${h.host_id})` }))));
    sel.replaceChildren(...opts);
    if (opts.some((o) => o.value === keep)) sel.value = keep;
  }
  async function handler(action) {
    if (!$('h-guest').value) return;
    const arg = { ...JSON.parse($('h-guest').value), element: $('h-element').value, handler: $('h-handler').value };
    if (action === 'write_handler') arg.value = $('h-value').value;
    const { data } = await act(action, arg);
    $('h-out').className = `out ${data.ok ? '' : 'error'}`;
    $('h-out').textContent = data.ok ? (action === 'read_handler' ? data.value : 'written') : data.message;
  }
  $('h-read').addEventListener('click', () => handler('read_handler'));
  $('h-write').addEventListener('click', () => handler('write_handler'));

  // ---- start ------------------------------------------------------------------------
  void fetch('/api/session', { credentials: 'same-origin' }).then(async (r) => {
    const s = await r.json();
    if (s.who) started(s);
    else showLogin();
  });
})();
