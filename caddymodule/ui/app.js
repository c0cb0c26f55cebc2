// The webhook activity page of cms_events_ui: the webhooks and the queue,
// the selected webhook's calls (polled every 2 s), a call's request and
// response, redelivery, pause and resume, and a chart of the last hour.
//
// Plain browser JavaScript, no dependencies. Every URL is relative to the
// page, so the page works under any path prefix. Data from the API is only
// ever set as text, never as markup.
'use strict';

(() => {
  const API = 'api/';
  const POLL_MS = 2000;
  const LIMIT = 20;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const state = {
    webhooks: [],
    queue: null,
    loaded: false,
    selected: null,
    skip: 0,
    total: 0,
    items: [],
    chart: null,
    chartKey: '',
    refreshing: null,
    pollError: '',
  };

  const $ = (id) => document.getElementById(id);

  // ---- API -------------------------------------------------------------

  /** Calls the API; rejects with the server's {"error"} message. */
  async function api(path, method = 'GET') {
    const init = { method, cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method !== 'GET') {
      // The server refuses changes without this header (cross-site guard).
      init.headers['X-CMS-Events-UI'] = '1';
    }
    let res;
    try {
      res = await fetch(API + path, init);
    } catch (err) {
      throw new Error(`the server cannot be reached (${err.message})`);
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const msg = (data && typeof data.error === 'string' && data.error) || text.trim() || res.statusText;
      throw new Error(`${res.status}: ${msg}`);
    }
    return data;
  }

  const hookPath = (id) => `webhooks/${encodeURIComponent(id)}`;

  // ---- small helpers ---------------------------------------------------

  /** Creates an element with attributes and children (strings become text). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v == null) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      node.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
    }
    return node;
  }

  function svg(tag, attrs = {}) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  /** Sets text only when it changed, so polling does not churn the DOM. */
  function setText(node, text) {
    const s = String(text);
    if (node.textContent !== s) node.textContent = s;
  }

  function setHidden(node, hidden) {
    if (node.hidden !== hidden) node.hidden = hidden;
  }

  const pad = (n, w = 2) => String(n).padStart(w, '0');

  function parseTime(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  /** Local time; the date only when it is not today. */
  function shortTime(iso) {
    const d = parseTime(iso);
    if (!d) return '–';
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    const now = new Date();
    if (d.toDateString() === now.toDateString()) return time;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }

  function longTime(iso) {
    const d = parseTime(iso);
    if (!d) return '–';
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  function hhmm(iso) {
    const d = parseTime(iso);
    return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : '';
  }

  function relative(iso) {
    const d = parseTime(iso);
    if (!d) return 'none';
    const s = Math.round((Date.now() - d.getTime()) / 1000);
    const abs = Math.abs(s);
    const span = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
    return s >= 0 ? `${span} ago` : `in ${span}`;
  }

  function duration(item) {
    let ms = item.durationMs;
    if (typeof ms !== 'number') {
      const a = parseTime(item.requestAt);
      const b = parseTime(item.responseAt);
      ms = a && b ? b - a : null;
    }
    if (ms == null) return '–';
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  }

  const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

  function prettyBody(body) {
    if (body == null || body === '') return '';
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return String(body);
    }
  }

  const isOk = (code) => code >= 200 && code < 300;

  /** A topic as text that may break after each dot. */
  function topicText(topic) {
    const frag = document.createDocumentFragment();
    String(topic).split(/(?<=\.)/).forEach((part, i) => {
      if (i) frag.append(document.createElement('wbr'));
      frag.append(part);
    });
    return frag;
  }

  /** A topic in the table: its source (e.g. ContentManagement.) small above the rest. */
  function topicCell(topic) {
    const parts = String(topic).split('.');
    if (parts.length < 3) return [el('span', { class: 'topic__name' }, topicText(topic))];
    return [
      el('span', { class: 'topic__source' }, `${parts[0]}.`),
      el('span', { class: 'topic__name' }, parts.slice(1).join('.')),
    ];
  }

  function webhookById(id) {
    return state.webhooks.find((w) => w.id === id) || null;
  }

  /**
   * The outcome of one call: delivered (2xx), retrying (failed with a later
   * attempt to come or already made), or failed. The API's own flags win;
   * without them a failed call counts as retrying when the page shows its
   * next attempt, or when the webhook says how many attempts it makes.
   */
  function outcomeOf(item) {
    if (typeof item.outcome === 'string') return item.outcome;
    if (item.delivered === true || (item.delivered === undefined && isOk(item.statusCode))) return 'delivered';
    if (typeof item.retrying === 'boolean') return item.retrying ? 'retrying' : 'failed';
    const hook = webhookById(state.selected);
    if (hook && typeof hook.attempts === 'number' && item.attempt > 0) {
      return item.attempt < hook.attempts ? 'retrying' : 'failed';
    }
    const next = state.items.some(
      (o) => o !== item && o.topic === item.topic && o.entity === item.entity && o.attempt === item.attempt + 1 && (o.requestAt || '') >= (item.requestAt || ''),
    );
    return next ? 'retrying' : 'failed';
  }

  const OUTCOME_TEXT = { delivered: 'Delivered', retrying: 'Retried', failed: 'Failed' };

  function statusLabel(code) {
    return code ? String(code) : 'No answer';
  }

  function statusBadge(item) {
    const outcome = outcomeOf(item);
    const badge = el('span', { class: `badge badge--${outcome}`, 'data-outcome': outcome, title: OUTCOME_TEXT[outcome] || outcome });
    badge.textContent = `${statusLabel(item.statusCode)} · ${OUTCOME_TEXT[outcome] || outcome}`;
    return badge;
  }

  // ---- status line -----------------------------------------------------

  let sayTimer = 0;
  /** Announces an outcome in the aria-live status line. */
  function say(message, kind = 'info') {
    const line = $('status-line');
    clearTimeout(sayTimer);
    line.className = `status-line is-${kind}`;
    line.dataset.kind = kind;
    // Clearing first makes screen readers announce a repeated message.
    line.textContent = '';
    sayTimer = setTimeout(() => {
      line.textContent = message;
    }, 30);
  }

  // ---- selection (URL hash) --------------------------------------------

  function hashWebhook() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    return params.get('webhook');
  }

  const hashFor = (id) => `#webhook=${encodeURIComponent(id)}`;

  function select(id) {
    if (id === state.selected) return;
    state.selected = id;
    state.skip = 0;
    state.total = 0;
    state.items = [];
    state.chart = null;
    state.chartKey = '';
    state.rendered = false;
    $('calls-body').replaceChildren();
    $('chart-plot').replaceChildren();
    setText($('chart-summary'), '');
    render();
    refresh();
  }

  // ---- rendering: webhooks and queue -------------------------------------

  function renderQueue() {
    const q = state.queue;
    if (!q) return;
    setText($('queue-depth'), q.depth ?? 0);
    setText($('queue-due'), q.due ?? 0);
    setText($('queue-failed'), q.failed ?? 0);
    $('queue-failed').classList.toggle('is-bad', (q.failed ?? 0) > 0);
    setText($('queue-oldest'), q.oldestDue ? relative(q.oldestDue) : 'none');
    $('queue-oldest').title = q.oldestDue ? longTime(q.oldestDue) : '';
    setText($('queue-paused'), Array.isArray(q.paused) ? q.paused.length : 0);
  }

  function healthText(w) {
    const h = w.health || {};
    return `${h.healthy ?? 0}/${h.total ?? 0}`;
  }

  function createWebhookItem(id) {
    const li = el('li', { 'data-testid': 'webhook-item', 'data-webhook-id': id });
    const a = el('a', { class: 'webhook-link', href: hashFor(id), 'data-testid': 'webhook-link' });
    const top = el('span', { class: 'webhook-link__top' },
      el('span', { class: 'webhook-link__name', 'data-field': 'name' }),
      el('span', { class: 'badge badge--paused', 'data-field': 'paused', 'data-testid': 'webhook-item-paused', hidden: true }, 'Paused'));
    const stats = el('span', { class: 'webhook-link__stats' },
      el('span', {}, 'Health ', el('strong', { 'data-field': 'health' })),
      el('span', { 'data-field': 'queued-wrap' }, 'Queued ', el('strong', { 'data-field': 'queued' })),
      el('span', { 'data-field': 'failed-wrap' }, 'Failed ', el('strong', { 'data-field': 'failed' })));
    a.append(top,
      el('span', { class: 'webhook-link__id' }, 'ID ', el('code', { 'data-field': 'id' })),
      el('span', { class: 'webhook-link__url', 'data-field': 'url' }),
      stats);
    li.append(a);
    return li;
  }

  function updateWebhookItem(li, w) {
    const f = (name) => li.querySelector(`[data-field="${name}"]`);
    setText(f('name'), w.name || w.id);
    setText(f('id'), w.id);
    setText(f('url'), w.url || '');
    setText(f('health'), healthText(w));
    setText(f('queued'), w.queued ?? 0);
    setText(f('failed'), w.failed ?? 0);
    f('failed-wrap').classList.toggle('is-bad', (w.failed ?? 0) > 0);
    setHidden(f('paused'), !w.paused);
    li.dataset.paused = String(Boolean(w.paused));
    const a = li.firstElementChild;
    const current = w.id === state.selected;
    if (current) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }

  /**
   * Updates a keyed list in place: existing nodes are kept (and so is the
   * focus inside them); new ones are inserted, gone ones removed.
   */
  function reconcile(parent, keys, keyOf, create, update) {
    const wanted = new Set(keys);
    for (const node of [...parent.children]) {
      if (!wanted.has(keyOf(node))) node.remove();
    }
    const byKey = new Map([...parent.children].map((n) => [keyOf(n), n]));
    let cursor = parent.firstElementChild;
    keys.forEach((key, i) => {
      let node = byKey.get(key);
      const isNew = !node;
      if (isNew) node = create(key);
      update(node, i, isNew);
      if (node === cursor) cursor = cursor.nextElementSibling;
      else parent.insertBefore(node, cursor);
    });
  }

  function renderWebhooks() {
    const list = $('webhook-list');
    const byId = new Map(state.webhooks.map((w) => [w.id, w]));
    reconcile(list, state.webhooks.map((w) => w.id), (n) => n.dataset.webhookId, createWebhookItem, (li) => {
      updateWebhookItem(li, byId.get(li.dataset.webhookId));
    });
    setHidden($('webhooks-empty'), !(state.loaded && state.webhooks.length === 0));
  }

  // ---- rendering: the selected webhook -----------------------------------

  function renderPanel() {
    const w = webhookById(state.selected);
    const empty = $('panel-empty');
    if (!w) {
      setHidden($('panel-body'), true);
      setHidden(empty, false);
      if (!state.loaded) setText(empty, 'Loading…');
      else if (state.selected) setText(empty, `There is no webhook with the id “${state.selected}”. Pick one from the list.`);
      else setText(empty, state.webhooks.length ? 'Select a webhook to see its calls.' : 'No webhooks are configured.');
      return;
    }
    setHidden(empty, true);
    setHidden($('panel-body'), false);
    setText($('webhook-name'), w.name || w.id);
    setText($('webhook-id'), w.id);
    setText($('webhook-url'), w.url || '');
    const filters = w.topics && w.topics.length ? w.topics : w.channels || [];
    setText($('webhook-topics').previousElementSibling, w.channels && w.channels.length && !(w.topics && w.topics.length) ? 'Channels' : 'Topics');
    setText($('webhook-topics'), filters.length ? filters.join(', ') : '–');
    const h = w.health || {};
    setText($('webhook-health'), h.total ? `${h.healthy ?? 0} of ${h.total} healthy` : 'no calls yet');
    setText($('webhook-queued'), w.queued ?? 0);
    setText($('webhook-failed'), w.failed ?? 0);
    setHidden($('webhook-paused'), !w.paused);

    const pause = $('pause-button');
    const resume = $('resume-button');
    const hadFocus = document.activeElement === pause || document.activeElement === resume;
    setHidden(pause, Boolean(w.paused));
    setHidden(resume, !w.paused);
    if (hadFocus && document.activeElement !== pause && document.activeElement !== resume) {
      (w.paused ? resume : pause).focus();
    }
  }

  function createCallRow(id) {
    const tr = el('tr', { 'data-testid': 'call-row', 'data-call-id': id });
    const cell = (name, label) => el('td', { class: `col-${name}`, 'data-label': label, 'data-field': name });
    tr.append(
      cell('time', 'Time'),
      cell('topic', 'Topic'),
      cell('entity', 'Entity'),
      cell('status', 'Status'),
      cell('duration', 'Duration'),
      cell('attempt', 'Attempt'),
      cell('errors', 'Errors'),
    );
    const actions = el('td', { class: 'col-actions', 'data-label': 'Actions' },
      el('button', { type: 'button', class: 'button button--small', 'data-action': 'details', 'data-testid': 'view-details' }, 'View details'),
      el('button', { type: 'button', class: 'button button--small', 'data-action': 'redeliver', 'data-testid': 'redeliver-call' }, 'Redeliver'));
    tr.append(actions);
    return tr;
  }

  function updateCallRow(tr, item, isNew) {
    const f = (name) => tr.querySelector(`[data-field="${name}"]`);
    const time = f('time');
    if (!time.firstChild || time.firstChild.getAttribute('datetime') !== item.requestAt) {
      time.replaceChildren(el('time', { datetime: item.requestAt || '', title: longTime(item.requestAt) }, shortTime(item.requestAt)));
    }
    const topic = item.topic || item.eventType || '–';
    if (f('topic').textContent !== topic) f('topic').replaceChildren(...topicCell(topic));
    const entity = f('entity');
    if (entity.textContent !== (item.entity || '–')) {
      entity.replaceChildren(item.entity ? el('code', {}, item.entity) : '–');
    }
    const outcome = outcomeOf(item);
    const status = f('status');
    const badgeText = `${statusLabel(item.statusCode)} · ${OUTCOME_TEXT[outcome] || outcome}`;
    if (status.textContent !== badgeText) status.replaceChildren(statusBadge(item));
    tr.dataset.outcome = outcome;
    tr.dataset.status = String(item.statusCode ?? 0);
    setText(f('duration'), duration(item));
    setText(f('attempt'), item.attempt || '–');
    const errors = Array.isArray(item.errors) ? item.errors.join(', ') : '';
    setText(f('errors'), errors);
    f('errors').classList.toggle('is-empty', !errors);
    const desc = `${item.topic || item.eventType || 'call'} at ${shortTime(item.requestAt)}`;
    const [details, redeliver] = tr.querySelectorAll('button');
    const dl = `View details of ${desc}`;
    const rl = `Redeliver ${desc}`;
    if (details.getAttribute('aria-label') !== dl) details.setAttribute('aria-label', dl);
    if (redeliver.getAttribute('aria-label') !== rl) redeliver.setAttribute('aria-label', rl);
    if (isNew && state.rendered) {
      tr.classList.add('is-new');
      tr.addEventListener('animationend', () => tr.classList.remove('is-new'), { once: true });
    }
  }

  function renderCalls() {
    const body = $('calls-body');
    const byId = new Map(state.items.map((it) => [it.sys.id, it]));
    const focused = document.activeElement;
    const focusedRow = focused && body.contains(focused) ? focused.closest('tr') : null;
    reconcile(body, state.items.map((it) => it.sys.id), (n) => n.dataset.callId, createCallRow, (tr, i, isNew) => {
      updateCallRow(tr, byId.get(tr.dataset.callId), isNew);
    });
    if (focusedRow && !focusedRow.isConnected) {
      // The focused call left this page; keep the focus in the table.
      $('webhook-panel').focus();
    }
    setHidden($('calls-empty'), state.items.length > 0 || !state.rendered);

    const newer = $('newer-button');
    const older = $('older-button');
    const active = document.activeElement;
    newer.disabled = state.skip === 0;
    older.disabled = state.skip + LIMIT >= state.total;
    if (active === newer && newer.disabled) (older.disabled ? $('webhook-panel') : older).focus();
    if (active === older && older.disabled) (newer.disabled ? $('webhook-panel') : newer).focus();
    const from = state.total ? state.skip + 1 : 0;
    const to = Math.min(state.skip + state.items.length, state.total);
    setText($('pager-range'), state.total ? `${from}–${to} of ${state.total}` : '');
  }

  // ---- rendering: the chart ----------------------------------------------

  function niceMax(n) {
    if (n <= 4) return Math.max(1, n);
    const p = 10 ** Math.floor(Math.log10(n));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
    return 10 * p;
  }

  function renderChart() {
    const plot = $('chart-plot');
    const minutes = (state.chart && state.chart.minutes) || [];
    const width = Math.max(240, Math.round(plot.clientWidth || 600));
    const key = `${width}|${JSON.stringify(minutes)}`;
    if (key === state.chartKey) return;
    state.chartKey = key;

    const H = 160;
    const left = 30;
    const right = 8;
    const top = 10;
    const bottom = 22;
    const plotW = width - left - right;
    const plotH = H - top - bottom;
    const totals = minutes.map((m) => (m.delivered || 0) + (m.failed || 0) + (m.retrying || 0));
    const max = niceMax(Math.max(0, ...totals));
    const sum = (k) => minutes.reduce((s, m) => s + (m[k] || 0), 0);
    const delivered = sum('delivered');
    const failed = sum('failed');
    const retrying = sum('retrying');
    const all = delivered + failed + retrying;

    let summary;
    if (!minutes.length) summary = 'No chart data yet.';
    else if (!all) summary = 'No calls in the last hour.';
    else {
      const busiest = totals.indexOf(Math.max(...totals));
      summary = `Last hour: ${plural(all, 'call')}: ${delivered} delivered, ${retrying} retrying, ${failed} failed. Busiest minute ${hhmm(minutes[busiest].minute)} with ${plural(totals[busiest], 'call')}.`;
    }

    const root = svg('svg', {
      viewBox: `0 0 ${width} ${H}`,
      width,
      height: H,
      role: 'img',
      'aria-labelledby': 'chart-svg-title chart-svg-desc',
      'data-testid': 'chart-svg',
      focusable: 'false',
    });
    const title = svg('title', { id: 'chart-svg-title' });
    title.textContent = 'Calls per minute over the last hour, stacked by outcome';
    const desc = svg('desc', { id: 'chart-svg-desc' });
    desc.textContent = summary;
    root.append(title, desc);

    // Grid lines and the y scale.
    for (const v of [0, max / 2, max]) {
      if (v !== Math.round(v) && v !== 0) continue;
      const y = top + plotH - (v / max) * plotH;
      root.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y + 0.5, y2: y + 0.5 }));
      const label = svg('text', { class: 'axis-label', x: left - 6, y: y + 4, 'text-anchor': 'end' });
      label.textContent = String(v);
      root.append(label);
    }

    const n = minutes.length || 60;
    const slot = plotW / n;
    const barW = Math.max(1, slot * 0.72);
    minutes.forEach((m, i) => {
      const x = left + i * slot + (slot - barW) / 2;
      let y = top + plotH;
      const g = svg('g', { 'data-minute': m.minute });
      const tip = svg('title');
      tip.textContent = `${hhmm(m.minute)}: ${m.delivered || 0} delivered, ${m.retrying || 0} retrying, ${m.failed || 0} failed`;
      g.append(tip);
      for (const k of ['delivered', 'retrying', 'failed']) {
        const v = m[k] || 0;
        if (!v) continue;
        const h = (v / max) * plotH;
        y -= h;
        g.append(svg('rect', { class: `bar--${k}`, x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: Math.max(1, h).toFixed(1) }));
      }
      root.append(g);
    });

    // The time axis: oldest minute, half-way, now.
    if (minutes.length) {
      const marks = [[0, 'start'], [Math.floor(minutes.length / 2), 'middle'], [minutes.length - 1, 'end']];
      for (const [i, anchor] of marks) {
        const x = anchor === 'start' ? left : anchor === 'end' ? width - right : left + (i + 0.5) * slot;
        const t = svg('text', { class: 'axis-label', x, y: H - 6, 'text-anchor': anchor });
        t.textContent = hhmm(minutes[i].minute);
        root.append(t);
      }
    }

    plot.replaceChildren(root);
    setText($('chart-summary'), summary);
  }

  function render() {
    renderQueue();
    renderWebhooks();
    renderPanel();
    if (webhookById(state.selected)) {
      renderCalls();
      renderChart();
    }
  }

  // ---- polling -----------------------------------------------------------

  async function load() {
    const overview = await api('webhooks');
    state.queue = overview.queue || null;
    state.webhooks = Array.isArray(overview.webhooks) ? overview.webhooks : [];
    state.loaded = true;

    if (!state.selected && state.webhooks.length) {
      const first = state.webhooks[0].id;
      history.replaceState(null, '', hashFor(first));
      state.selected = first;
    }
    const id = state.selected;
    const skip = state.skip;
    if (!webhookById(id)) {
      render();
      return;
    }
    const [activity, chart] = await Promise.all([
      api(`${hookPath(id)}/activity?skip=${skip}&limit=${LIMIT}`),
      api(`${hookPath(id)}/chart`).catch(() => null),
    ]);
    if (id !== state.selected || skip !== state.skip) return; // the user moved on
    state.items = Array.isArray(activity.items) ? activity.items : [];
    state.total = typeof activity.total === 'number' ? activity.total : state.items.length;
    if (chart) state.chart = chart;
    if (state.skip > 0 && state.items.length === 0 && state.total > 0) {
      // The page ran past the end (calls expired): go back to the last page.
      state.skip = Math.max(0, Math.floor((state.total - 1) / LIMIT) * LIMIT);
      return load();
    }
    render();
    state.rendered = true;
    renderCalls();
    const now = new Date();
    setText($('calls-updated'), `Live · updated ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`);
  }

  /** Reloads everything; concurrent callers share one round. */
  function refresh() {
    if (state.refreshing) {
      state.again = true;
      return state.refreshing;
    }
    state.refreshing = (async () => {
      try {
        do {
          state.again = false;
          await load();
        } while (state.again);
        if (state.pollError) {
          state.pollError = '';
          const line = $('status-line');
          if (line.dataset.poll === 'true') {
            delete line.dataset.poll;
            say('Connection to the server restored.', 'ok');
          }
        }
      } catch (err) {
        const msg = `Could not load the activity: ${err.message}`;
        if (msg !== state.pollError) {
          state.pollError = msg;
          say(msg, 'error');
          $('status-line').dataset.poll = 'true';
        }
        render();
      } finally {
        state.refreshing = null;
      }
    })();
    return state.refreshing;
  }

  function poll() {
    const next = () => setTimeout(poll, POLL_MS);
    if (document.hidden) {
      next();
      return;
    }
    refresh().then(next, next);
  }

  // ---- dialogs -------------------------------------------------------------

  const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  /** Keeps Tab inside an open modal dialog. */
  function trapFocus(dialog) {
    dialog.addEventListener('keydown', (e) => {
      if (e.key !== 'Tab') return;
      const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((n) => n.getClientRects().length > 0);
      if (!items.length) {
        e.preventDefault();
        return;
      }
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
        e.preventDefault();
        first.focus();
      }
    });
  }

  /** Opens a modal dialog and gives the focus back to the opener on close. */
  function openDialog(dialog, focusTarget) {
    const opener = document.activeElement;
    dialog.addEventListener('close', () => {
      const target = opener && opener.isConnected && !opener.disabled && !opener.closest('[hidden]') ? opener : $('webhook-panel');
      target.focus();
    }, { once: true });
    dialog.showModal();
    (focusTarget || dialog.querySelector(FOCUSABLE))?.focus();
  }

  /** Asks before acting; resolves true when confirmed. Escape cancels. */
  function confirmAction({ title, message, confirmLabel }) {
    const dialog = $('confirm-dialog');
    setText($('confirm-heading'), title);
    setText($('confirm-message'), message);
    setText($('confirm-ok'), confirmLabel);
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      openDialog(dialog, $('confirm-cancel'));
    });
  }

  function headersList(headers) {
    const entries = Object.entries(headers || {});
    if (!entries.length) return el('p', { class: 'muted' }, 'No headers.');
    const dl = el('dl', { class: 'headers' });
    for (const [name, value] of entries) dl.append(el('dt', {}, name), el('dd', {}, String(value)));
    return dl;
  }

  function bodyBlock(body, testid) {
    const text = prettyBody(body);
    if (!text) return el('p', { class: 'muted', 'data-testid': testid }, 'Empty body.');
    return el('pre', { class: 'body-block', tabindex: '0', 'aria-label': testid === 'request-body' ? 'Request body' : 'Response body', 'data-testid': testid }, text);
  }

  function renderDetails(call, item) {
    const req = call.request || {};
    const res = call.response || {};
    const code = res.statusCode ?? call.statusCode ?? 0;
    const merged = { ...(item || {}), ...call, statusCode: call.statusCode ?? code };
    const errors = Array.isArray(call.errors) && call.errors.length ? call.errors.join(', ') : 'none';
    const fact = (label, value, wide) => el('div', { class: wide ? 'is-wide' : null }, el('dt', {}, label), el('dd', {}, value));
    const summary = el('dl', { class: 'details-summary' },
      fact('Status', statusBadge(merged)),
      fact('Attempt', String((item && item.attempt) || '–')),
      fact('Duration', duration(merged)),
      fact('Requested at', longTime(call.requestAt)),
      fact('Topic', topicText((item && item.topic) || call.eventType || '–'), true),
      fact('Entity', el('code', {}, (item && item.entity) || '–')),
      fact('Errors', errors),
      fact('Call ID', el('code', {}, (call.sys && call.sys.id) || ''), true));
    const request = el('section', { class: 'details-part', 'aria-labelledby': 'details-request', 'data-testid': 'details-request' },
      el('h3', { id: 'details-request' }, 'Request'),
      el('p', { class: 'details-line' }, el('strong', { 'data-testid': 'request-method' }, req.method || 'POST'), ' ', el('code', { 'data-testid': 'request-url' }, req.url || call.url || '')),
      el('h4', { class: 'visually-hidden' }, 'Request headers'),
      headersList(req.headers),
      bodyBlock(req.body, 'request-body'));
    const response = el('section', { class: 'details-part', 'aria-labelledby': 'details-response', 'data-testid': 'details-response' },
      el('h3', { id: 'details-response' }, 'Response'),
      el('p', { class: 'details-line' }, 'Status ', el('strong', { 'data-testid': 'response-status' }, code ? String(code) : 'no answer')),
      el('h4', { class: 'visually-hidden' }, 'Response headers'),
      headersList(res.headers),
      bodyBlock(res.body, 'response-body'));
    $('details-body').replaceChildren(summary, request, response);
  }

  async function showDetails(callId) {
    const id = state.selected;
    const item = state.items.find((it) => it.sys.id === callId);
    const dialog = $('details-dialog');
    $('details-heading').replaceChildren(item ? topicText(`${item.topic || item.eventType || 'Call'} · ${shortTime(item.requestAt)}`) : 'Call details');
    dialog.dataset.callId = callId;
    $('details-body').replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    dialog.setAttribute('aria-busy', 'true');
    openDialog(dialog, dialog.querySelector('[data-close]'));
    try {
      const call = await api(`${hookPath(id)}/calls/${encodeURIComponent(callId)}`);
      if (dialog.dataset.callId === callId) renderDetails(call, item);
    } catch (err) {
      if (dialog.dataset.callId === callId) {
        $('details-body').replaceChildren(el('p', { class: 'status-line is-error', role: 'alert' }, `Could not load the call: ${err.message}`));
      }
    } finally {
      dialog.removeAttribute('aria-busy');
    }
  }

  // ---- actions -------------------------------------------------------------

  async function act({ title, message, confirmLabel, path, done }) {
    if (!(await confirmAction({ title, message, confirmLabel }))) {
      say('Cancelled: nothing was changed.', 'info');
      return;
    }
    say('Working…', 'info');
    try {
      const out = await api(path, 'POST');
      say(done(out || {}), 'ok');
    } catch (err) {
      say(`${title} failed: ${err.message}`, 'error');
    }
    await refresh();
  }

  function hookName() {
    const w = webhookById(state.selected);
    return w ? w.name || w.id : state.selected;
  }

  function pauseOrResume(pause) {
    const name = hookName();
    act({
      title: pause ? 'Pause deliveries' : 'Resume deliveries',
      message: pause
        ? `Pause deliveries to “${name}”? New events wait in the queue until you resume.`
        : `Resume deliveries to “${name}”? Queued events are sent right away.`,
      confirmLabel: pause ? 'Pause' : 'Resume',
      path: `${hookPath(state.selected)}/${pause ? 'pause' : 'resume'}`,
      done: (out) => (out.paused ?? pause) ? `Paused deliveries to “${name}”.` : `Resumed deliveries to “${name}”.`,
    });
  }

  function redeliverCall(callId) {
    const item = state.items.find((it) => it.sys.id === callId);
    const what = item ? `the ${item.topic || item.eventType || ''} call of ${shortTime(item.requestAt)}${item.entity ? ` for ${item.entity}` : ''}` : `call ${callId}`;
    act({
      title: 'Redeliver call',
      message: `Redeliver ${what} to “${hookName()}”? The same event is sent again as a new call.`,
      confirmLabel: 'Redeliver',
      path: `${hookPath(state.selected)}/calls/${encodeURIComponent(callId)}/redeliver`,
      done: () => `Redelivery of ${what} queued; the new call appears in the list.`,
    });
  }

  function redeliverFailed(sinceValue) {
    let since = null;
    if (sinceValue) {
      const d = new Date(sinceValue); // datetime-local: the browser's time zone
      if (Number.isNaN(d.getTime())) {
        say('The “since” time is not a valid date and time.', 'error');
        $('redeliver-since').focus();
        return;
      }
      since = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    const name = hookName();
    act({
      title: 'Redeliver failed calls',
      message: since
        ? `Redeliver every failed delivery of “${name}” since ${longTime(since)}?`
        : `Redeliver every failed delivery of “${name}”?`,
      confirmLabel: 'Redeliver failed',
      path: `${hookPath(state.selected)}/redeliver${since ? `?since=${encodeURIComponent(since)}` : ''}`,
      done: (out) => {
        const n = out.redelivered ?? 0;
        return n ? `Queued ${plural(n, 'failed delivery', 'failed deliveries')} of “${name}” again.` : `“${name}” has no failed deliveries to redeliver${since ? ' since then' : ''}.`;
      },
    });
  }

  // ---- wiring ----------------------------------------------------------------

  function init() {
    for (const dialog of document.querySelectorAll('dialog')) trapFocus(dialog);
    $('details-dialog').querySelector('[data-close]').addEventListener('click', () => $('details-dialog').close());
    $('details-dialog').addEventListener('close', () => {
      delete $('details-dialog').dataset.callId;
    });
    // A click on the backdrop closes the details dialog.
    $('details-dialog').addEventListener('click', (e) => {
      if (e.target === e.currentTarget) {
        const r = e.currentTarget.getBoundingClientRect();
        const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
        if (!inside) e.currentTarget.close();
      }
    });
    $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close('cancel'));
    $('confirm-ok').addEventListener('click', () => $('confirm-dialog').close('confirm'));

    // The skip link moves the focus without replacing the #webhook= hash.
    document.querySelector('.skip-link').addEventListener('click', (e) => {
      e.preventDefault();
      $('webhook-panel').focus();
      $('webhook-panel').scrollIntoView();
    });
    $('calls-body').addEventListener('click', (e) => {
      const button = e.target.closest('button[data-action]');
      if (!button) return;
      const callId = button.closest('tr').dataset.callId;
      if (button.dataset.action === 'details') showDetails(callId);
      else if (button.dataset.action === 'redeliver') redeliverCall(callId);
    });
    $('pause-button').addEventListener('click', () => pauseOrResume(true));
    $('resume-button').addEventListener('click', () => pauseOrResume(false));
    $('redeliver-form').addEventListener('submit', (e) => {
      e.preventDefault();
      redeliverFailed($('redeliver-since').value);
    });
    $('newer-button').addEventListener('click', () => {
      state.skip = Math.max(0, state.skip - LIMIT);
      refresh();
    });
    $('older-button').addEventListener('click', () => {
      state.skip += LIMIT;
      refresh();
    });
    window.addEventListener('hashchange', () => {
      const id = hashWebhook();
      if (id) select(id);
    });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        if (state.chart) renderChart();
      }).observe($('chart-plot'));
    }

    state.selected = hashWebhook();
    render();
    poll();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
