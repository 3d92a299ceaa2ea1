// reportgen serve: reads the generated form back into the YAML's shape, checks it as the clerk types, saves,
// downloads the .docx. Every element with data-w holds a value; data-key says which key it fills.
'use strict';
(() => {
  const form = document.getElementById('report');
  if (!form) return;
  const UI = JSON.parse(document.getElementById('ui-strings').textContent);
  const token = document.querySelector('meta[name="reportgen-token"]').content;
  const $ = (id) => document.getElementById(id);
  const fmt = (s, o) => s.replace(/\{(\w+)\}/g, (_, k) => (k in o ? o[k] : ''));
  const file = form.dataset.file;
  let version = form.dataset.version;
  let dirty = false;
  let timer = null;
  let asked = 0;
  let fresh = 0;
  let byPath = new Map();

  // ---- the form's value, in the YAML's shape -------------------------------------------------------------
  const hiddenBelow = (el, top) => { for (let n = el; n && n !== top; n = n.parentElement) if (n.hidden) return true; return false; };
  const kids = (el) => [...el.querySelectorAll('[data-w]')].filter(
    (c) => c.parentElement.closest('[data-w]') === el && !hiddenBelow(c, el));
  const ctl = (el) => el.querySelector('.ctl');
  const lines = (text) => text.split('\n').filter((s) => s.trim() !== '');

  function collect(el, path) {
    el.dataset.path = path;
    byPath.set(path, el);
    const w = el.dataset.w;
    const at = (k) => (path ? `${path}.${k}` : k);
    if (w === 'object' || w === 'named') {
      const out = {};
      for (const c of kids(el)) {
        const v = collect(c, at(c.dataset.key));
        if (v !== undefined) out[c.dataset.key] = v;
      }
      if (w === 'named') {
        const keys = Object.keys(out);
        if (!keys.length) return undefined;
        return keys.length === 1 && 'name' in out && el.dataset.shape !== 'object' ? out.name : out;
      }
      const keep = 'required' in el.dataset || 'present' in el.dataset || 'item' in el.dataset;
      return Object.keys(out).length || keep ? out : undefined;
    }
    if (w === 'array') {
      const out = [];
      for (const c of kids(el)) {
        const v = collect(c, `${path}[${out.length}]`);
        if (v !== undefined) out.push(v);
      }
      return out.length || 'present' in el.dataset ? out : undefined;
    }
    if (w === 'choice') {
      const branch = kids(el)[0];
      return branch ? collect(branch, path) : undefined;
    }
    if (w === 'tuple') {
      const values = [...el.querySelectorAll('.ctl')].map((i) => i.value.trim());
      return values.some((v) => v !== '') ? values : undefined;
    }
    const input = ctl(el);
    if (w === 'paragraphs' || w === 'lines') {
      const list = lines(input.value);
      if (!list.length) return undefined;
      return w === 'paragraphs' && list.length === 1 && input.dataset.shape !== 'list' ? list[0] : list;
    }
    if (w === 'boolean') return input.value === '' ? undefined : input.value === 'true';
    return input.value.trim() === '' ? undefined : input.value;
  }

  function value() {
    byPath = new Map();
    const data = {};
    for (const c of kids(form)) {
      const v = collect(c, c.dataset.key);
      if (v !== undefined) data[c.dataset.key] = v;
    }
    return data;
  }

  // ---- talking to the server -----------------------------------------------------------------------------
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', 'X-Reportgen-Token': token },
      });
    } catch (err) {
      throw new Error(UI.network);
    }
    if (response.ok) return response;
    let message = UI.network;
    try { message = (await response.json()).error || message; } catch (err) { /* not JSON */ }
    throw new Error(message);
  }

  function status(text, bad = false) {
    $('status').textContent = text;
    $('status').classList.toggle('bad', bad);
  }

  function place(problem) {
    let path = problem.place || problem.path || '';
    while (path && !byPath.has(path)) path = path.replace(/(\[\d+\]|\.?[^.[\]]+)$/, '');
    return byPath.get(path) || null;
  }

  function boxFor(el) {
    for (let n = el; n; n = n.parentElement && n.parentElement.closest('[data-w]')) {
      const box = n.querySelector(':scope > .msgs, :scope > .ctlbox > .msgs');
      if (box) return box;
    }
    return null;
  }

  function show(result) {
    for (const box of form.querySelectorAll('.msgs')) box.replaceChildren();
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    const list = $('problems');
    list.replaceChildren();
    let errors = 0;
    for (const p of result.problems) {
      if (p.severity === 'error') errors += 1;
      const el = place(p);
      const msg = document.createElement('p');
      msg.className = `msg ${p.severity}`;
      msg.textContent = p.message;
      if (p.hint) {
        const how = document.createElement('span');
        how.className = 'how';
        how.textContent = UI.hint + p.hint;
        msg.append(how);
      }
      const box = boxFor(el);
      if (box) box.append(msg);
      const input = el && el.querySelector(':scope > .ctlbox > .ctl');
      if (input && p.severity === 'error') input.setAttribute('aria-invalid', 'true');
      const li = document.createElement('li');
      li.className = p.severity;
      const go = document.createElement('button');
      go.type = 'button';
      go.textContent = `${p.path || UI.general}：${p.message}`;
      go.addEventListener('click', () => focusOn(el));
      li.append(go);
      list.append(li);
    }
    for (const note of result.notes || []) {
      const li = document.createElement('li');
      li.className = 'error';
      li.textContent = note;
      list.append(li);
    }
    const warnings = result.problems.length - errors;
    const summary = $('summary');
    const parts = [];
    if (errors) parts.push(fmt(UI.errors, { n: errors }));
    if (warnings) parts.push(fmt(UI.warnings, { n: warnings }));
    summary.textContent = parts.length ? parts.join('，') : UI.ok;
    summary.className = `summary ${errors ? 'bad' : 'ok'}`;
    $('preview').textContent = result.preview || '';
    $('yaml').textContent = result.yaml || '';
    return errors;
  }

  function focusOn(el) {
    if (!el) return;
    for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
    const target = el.matches('input, select, textarea') ? el : el.querySelector('input, select, textarea');
    (target || el).scrollIntoView({ block: 'center' });
    if (target) target.focus();
  }

  async function check() {
    const mine = ++asked;
    status(UI.checking);
    try {
      const result = await (await post('/api/check', { file, data: value() })).json();
      if (mine !== asked) return;
      show(result);
      status(dirty ? UI.unsaved : '');
    } catch (err) {
      if (mine === asked) status(err.message, true);
    }
  }

  function changed() {
    dirty = true;
    status(UI.unsaved);
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  }

  async function save() {
    clearTimeout(timer);
    status(UI.saving);
    try {
      const result = await (await post('/api/save', { file, data: value(), version })).json();
      version = result.version;
      dirty = false;
      for (const badge of document.querySelectorAll('.badge')) badge.remove();
      const errors = show(result);
      const time = new Date().toLocaleTimeString('zh-CN', { hour12: false });
      status(errors ? fmt(UI.saved_with_errors, { time, n: errors }) : fmt(UI.saved, { time }), errors > 0);
      return true;
    } catch (err) {
      status(err.message, true);
      return false;
    }
  }

  const saved = async () => (dirty || !version ? save() : true);

  async function download() {
    if (!(await saved())) return;
    status(UI.building);
    try {
      const blob = await (await post('/api/docx', { file })).blob();
      const name = `${file.split('/').pop().replace(/\.ya?ml$/i, '')}.docx`;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      status(fmt(UI.built, { name }));
    } catch (err) {
      status(err.message, true);
    }
  }

  async function pages() {
    if (!(await saved())) return;
    status(UI.rendering);
    try {
      const result = await (await post('/api/pages', { file })).json();
      $('images').replaceChildren(...result.pages.map((src, i) => {
        const img = document.createElement('img');
        img.src = src;
        img.alt = fmt(UI.item, { n: i + 1 });
        return img;
      }));
      status(fmt(UI.rendered, { n: result.pages.length }));
    } catch (err) {
      status(err.message, true);
    }
  }

  // ---- lists: add, remove, reorder -------------------------------------------------------------------------
  function renumber(list) {
    [...list.children].forEach((li, i) => {
      const num = li.querySelector('.num');
      if (num) num.textContent = fmt(UI.item, { n: i + 1 });
    });
  }

  function freshIds(node) {
    const renamed = new Map();
    for (const el of node.querySelectorAll('[id]')) {
      const id = `n${++fresh}`;
      renamed.set(el.id, id);
      el.id = id;
    }
    const swap = (v) => v.split(' ').map((t) => renamed.get(t) || t).join(' ');
    for (const el of node.querySelectorAll('label[for]')) el.htmlFor = swap(el.htmlFor);
    for (const el of node.querySelectorAll('[aria-describedby]')) el.setAttribute('aria-describedby', swap(el.getAttribute('aria-describedby')));
  }

  function act(button) {
    const li = button.closest('li.item');
    const how = button.dataset.act;
    if (how === 'add') {
      const array = button.closest('[data-w="array"]');
      const list = array.querySelector(':scope > .items');
      const item = $(array.dataset.template).content.firstElementChild.cloneNode(true);
      freshIds(item);
      list.append(item);
      renumber(list);
      const first = item.querySelector('input, select, textarea');
      if (first) first.focus();
    } else if (how === 'remove') {
      const list = li.parentElement;
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber(list);
      const focus = next ? next.querySelector('button[data-act="remove"]') : list.parentElement.querySelector(':scope > .add');
      if (focus) focus.focus();
    } else if (how === 'up' && li.previousElementSibling) {
      li.parentElement.insertBefore(li, li.previousElementSibling);
      renumber(li.parentElement);
      button.focus();
    } else if (how === 'down' && li.nextElementSibling) {
      li.parentElement.insertBefore(li.nextElementSibling, li);
      renumber(li.parentElement);
      button.focus();
    } else {
      return;
    }
    changed();
  }

  function switchTo(select, selector, attr) {
    const box = select.closest('fieldset');
    const before = [...box.querySelectorAll(`:scope > ${selector}`)].find((g) => !g.hidden);
    const after = box.querySelector(`:scope > ${selector}[${attr}="${select.value}"]`);
    if (selector === '.group' && before && after && before !== after) {  // the number goes with the new kind
      const from = ctl(before);
      const to = ctl(after);
      if (from && to && !to.value) to.value = from.value;
    }
    for (const g of box.querySelectorAll(`:scope > ${selector}`)) g.hidden = g !== after;
  }

  form.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-act]');
    if (button) act(button);
  });
  form.addEventListener('input', changed);
  form.addEventListener('change', (e) => {
    if (e.target.classList.contains('kindsel')) switchTo(e.target, '.group', 'data-kind');
    if (e.target.classList.contains('modesel')) switchTo(e.target, '.branch', 'data-mode');
    changed();
  });
  $('save').addEventListener('click', save);
  $('download').addEventListener('click', download);
  $('pages').addEventListener('click', pages);
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); save(); }
  });
  window.addEventListener('beforeunload', (e) => { if (dirty) { e.preventDefault(); e.returnValue = UI.leave; } });
  check();
})();
