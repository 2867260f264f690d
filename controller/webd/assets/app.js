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
      el('div', { 'data-testid': 'totals', 'data-packets': a.packets, 'data-bytes': a.bytes, text: `switch: ${a.flows.length} flow(s) · ${fmt(a.packets)} packets · ${fmt(a.bytes)} bytes` }),
      plot(hist),
      a.flows.length
        ? el('div', { class: 'scroll' }, el('table', {},
            el('thead', {}, el('tr', {}, el('th', { text: 'flow match' }), el('th', { text: 'actions' }), el('th', { class: 'num', text: 'packets' }), el('th', { class: 'num', text: 'bytes' }))),
            el('tbody', {}, a.flows.map((f) => el('tr', {}, el('td', { text: f.match }), el('td', { text: f.actions }), el('td', { class: 'num', text: String(f.packets) }), el('td', { class: 'num', text: String(f.bytes) })))),
          ))
        : null,
      el('div', { class: 'buttons' }, el('button', { class: 'danger operator', type: 'button', 'data-testid': 'delete', onclick: () => deleteAllocation(a.id) }, 'Delete')),
    );
  }

  async function deleteAllocation(id) {
    if (!window.confirm(`Delete allocation ${id} and its PMs?`)) return;
    const { data } = await act('delete', id);
    $('errors').textContent = data.ok ? '' : `delete ${id}: ${data.message}`;
  }

  /** The request's graph: columns by distance from the FromNets, each module with its host. */
  function graph(a) {
    const { nodes, links } = a.graph;
    const depth = new Map(nodes.filter((n) => n.kind === 'in').map((n) => [n.name, 0]));
    for (let i = 0; i < nodes.length; i++)
      for (const l of links) if (depth.has(l.from) && !depth.has(l.to)) depth.set(l.to, depth.get(l.from) + 1);
    const maxModule = Math.max(0, ...nodes.filter((n) => n.kind === 'module').map((n) => depth.get(n.name) ?? 1));
    const col = (n) => (n.kind === 'in' ? 0 : n.kind === 'out' ? maxModule + 1 : Math.max(1, depth.get(n.name) ?? 1));
    const cols = new Map();
    const pos = new Map();
    const W = 120, H = 54, NW = 96, NH = 36;
    for (const n of nodes) {
      const c = col(n);
      const row = cols.get(c) ?? 0;
      cols.set(c, row + 1);
      pos.set(n.name, { x: 10 + c * W, y: 10 + row * H, n });
    }
    const width = 20 + (maxModule + 1) * W + NW;
    const height = 20 + Math.max(...cols.values()) * H - (H - NH);
    const g = svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `allocation ${a.id} graph` },
      svg('defs', {}, svg('marker', { id: `arrow${a.id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#5b6470' }))));
    for (const l of links) {
      const p = pos.get(l.from), q = pos.get(l.to);
      if (!p || !q) continue;
      const back = q.x < p.x || (q.x === p.x && q.y < p.y);
      const off = back ? 8 : -8;
      const x1 = p.x + (back ? 0 : NW), x2 = q.x + (back ? NW : 0);
      const y1 = p.y + NH / 2 + off, y2 = q.y + NH / 2 + off;
      g.append(svg('path', { d: `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`, fill: 'none', stroke: '#5b6470', 'stroke-width': 1.2, 'marker-end': `url(#arrow${a.id})`, 'data-link': `${l.from}[${l.fromPort}]->[${l.toPort}]${l.to}` },
        svg('title', { text: `${l.from}[${l.fromPort}] → [${l.toPort}]${l.to}` })));
    }
    for (const { x, y, n } of pos.values()) {
      const fill = n.kind === 'module' ? '#dbe9f6' : '#eef1f4';
      g.append(svg('g', { 'data-node': n.name, 'data-host': n.host ?? '' },
        svg('rect', { x, y, width: NW, height: NH, rx: n.kind === 'module' ? 4 : 16, fill, stroke: '#1f4e79' }),
        svg('text', { x: x + NW / 2, y: y + 15, 'text-anchor': 'middle', text: n.kind === 'module' ? `${n.name} :: ${n.type}` : n.name }),
        svg('text', { x: x + NW / 2, y: y + 29, 'text-anchor': 'middle', fill: '#5b6470', text: n.kind === 'module' ? `on ${n.host ?? '?'}` : n.kind === 'in' ? 'FromNet' : 'ToNet' })));
    }
    return g;
  }

  /** Packets through the allocation's flows over the last polls. */
  function plot(h) {
    const W = 300, H = 60;
    const s = svg('svg', { class: 'plot', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'data-testid': 'plot', 'data-points': h.length });
    if (h.length < 2) return s;
    const t0 = Date.parse(h[0].t), t1 = Date.parse(h[h.length - 1].t) || t0 + 1;
    const max = Math.max(1, ...h.map((p) => p.packets));
    const pts = h.map((p) => `${(((Date.parse(p.t) - t0) / Math.max(1, t1 - t0)) * (W - 4) + 2).toFixed(1)},${(H - 4 - (p.packets / max) * (H - 18)).toFixed(1)}`).join(' ');
    s.append(svg('polyline', { points: pts, fill: 'none', stroke: '#1f4e79', 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }));
    s.append(svg('text', { x: 4, y: 10, fill: '#5b6470', 'font-size': 9, text: `packets (max ${fmt(max)})` }));
    return s;
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
