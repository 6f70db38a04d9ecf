// The Canvas: the model rendered by the server (the real openscad, in its sandbox) and shown in
// 3D, the customizer's parameters as sliders and fields, openscad's log and diagnostics that jump
// to their file and line, and a download in each format. It renders on demand, after a save
// (debounced) while it is shown, and after a parameter change; collaborators' renders of the same
// entry (the `rendered` event) show here too. Meshes are content-addressed: the same key is the
// same mesh, fetched once.
import { h, fill } from './dom.js';
import { explain, notify } from './ui.js';

const AFTER_SAVE_MS = 400;
const AFTER_PARAM_MS = 250;
const KEEP_MESHES = 8;

export class CanvasPanel {
  constructor(bench) {
    this.bench = bench;
    this.client = bench.client;
    this.visible = false;
    this.asked = 0; // the latest render asked for; older answers are dropped
    this.values = {}; // the customizer's values the user set, by name
    this.meshes = new Map(); // key -> ArrayBuffer, the last few
    this.entry = h('input', { 'aria-label': 'render entry', placeholder: 'main.scad',
      onchange: () => { this.values = {}; this.viewer?.refit(); this.shown(this.visible).catch(() => {}); } });
    this.auto = h('input', { type: 'checkbox', checked: true, 'aria-label': 'render after each save' });
    this.format = h('select', { 'aria-label': 'download format' },
      ['stl', 'off', '3mf', 'amf'].map((f) => h('option', { value: f }, f.toUpperCase())));
    this.info = h('p.render-info.muted', { 'aria-live': 'polite' });
    this.view = h('div.viewer', { 'aria-label': '3D view' });
    // three.js is loaded on first use: the rest of the page does not wait for it
    this.viewer = undefined;
    this.params = h('form.params', { 'aria-label': 'parameters', onsubmit: (e) => e.preventDefault() });
    this.diagnostics = h('ul.diagnostics', { 'aria-label': 'render diagnostics' });
    this.log = h('pre.output', { 'aria-label': 'render log' });
    this.el = h('div.panel.canvas', { dataset: { panel: 'canvas' } },
      h('div.row', {}, this.entry,
        h('button', { title: 'render the open file', onclick: () => this.setEntry(this.bench.files.current?.path) }, 'This file'),
        h('button.primary', { onclick: () => this.render() }, 'Render')),
      h('div.row', {}, h('label.check', {}, this.auto, 'after save'), h('span.spacer'), this.format,
        h('button', { onclick: () => this.download() }, 'Download')),
      this.info, this.view, this.params, this.diagnostics,
      h('details', {}, h('summary', {}, 'openscad log'), this.log));
  }

  get path() {
    return this.entry.value.trim() || this.bench.files.current?.path;
  }

  /** The Canvas tab was shown (true) or hidden. */
  async shown(visible) {
    this.visible = visible;
    if (visible && this.path?.endsWith('.scad')) {
      await this.loadParams();
      await this.render();
    }
  }

  /**
   * A file was opened: the first model opened becomes the entry. Later ones do not (a model's
   * parts are edited while the whole is watched); "This file" makes the open file the entry.
   */
  fileOpened(path) {
    if (path.endsWith('.scad') && !this.entry.value) this.setEntry(path);
  }

  setEntry(path) {
    if (!path || this.entry.value === path) return;
    this.entry.value = path;
    this.values = {};
    this.viewer?.refit();
    if (this.visible) this.shown(true).catch(() => {});
  }

  /** The user saved `path`: a render follows, debounced, while the Canvas is shown. */
  onSaved(path) {
    if (!this.visible || !this.auto.checked) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      (path === this.path ? this.loadParams() : Promise.resolve()).then(() => this.render()).catch(() => {});
    }, AFTER_SAVE_MS);
  }

  /** Another session rendered: when it is this entry, its mesh shows here too. */
  async onRendered(e) {
    if (!this.visible || e.entry !== this.path || e.format !== 'stl' || e.key === this.key) return;
    this.asked++; // what this page asked before is older than what it now shows
    await this.showMesh(e.key, `/api/projects/${encodeURIComponent(this.bench.project)}/renders/${e.key}.stl`);
    this.info.textContent = `Rendered by ${e.by}`;
  }

  /** The entry's customizer parameters, as fields; values the user set stay while their name does. */
  async loadParams() {
    const entry = this.path;
    if (!entry) return;
    let params = [];
    try {
      ({ params } = await this.client.params(entry));
    } catch {
      params = [];
    }
    const names = new Set(params.map((p) => p.name));
    for (const n of Object.keys(this.values)) if (!names.has(n)) delete this.values[n];
    const groups = new Map();
    for (const p of params) {
      const g = p.group ?? '';
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(this.field(p));
    }
    fill(this.params, [...groups].map(([g, fields]) => h('fieldset', {}, g ? h('legend', {}, g) : null, fields)),
      params.length ? h('button', { type: 'button', onclick: () => { this.values = {}; this.loadParams().then(() => this.render()); } },
        'Defaults') : null);
  }

  /** One parameter's field: a slider with a range, a list with options, a box for a boolean, else text. */
  field(p) {
    const value = p.name in this.values ? this.values[p.name] : p.default;
    const set = (v, now) => {
      this.values[p.name] = v;
      clearTimeout(this.paramTimer);
      this.paramTimer = setTimeout(() => this.render(), now ? 0 : AFTER_PARAM_MS);
    };
    let input;
    let shown = null;
    if (p.options) {
      input = h('select', { name: p.name, onchange: (e) => set(p.options[Number(e.target.value)].value, true) },
        p.options.map((o, i) => h('option', { value: i, selected: o.value === value }, o.label ?? String(o.value))));
    } else if (p.type === 'boolean') {
      input = h('input', { type: 'checkbox', name: p.name, checked: value === true, onchange: (e) => set(e.target.checked, true) });
    } else if (p.type === 'number' && p.min !== undefined && p.max !== undefined) {
      shown = h('output', {}, String(value));
      input = h('input', { type: 'range', name: p.name, min: p.min, max: p.max, step: p.step ?? 'any', value,
        oninput: (e) => { shown.textContent = e.target.value; set(Number(e.target.value)); } });
    } else if (p.type === 'number') {
      input = h('input', { type: 'number', name: p.name, step: p.step ?? 'any', value,
        onchange: (e) => e.target.value !== '' && set(Number(e.target.value), true) });
    } else if (p.type === 'vector') {
      input = h('input', { name: p.name, value: value.join(', '), onchange: (e) => {
        const v = e.target.value.split(',').map((x) => Number(x.trim()));
        if (v.every(Number.isFinite)) set(v, true);
      } });
    } else {
      input = h('input', { name: p.name, maxlength: 1000, value, onchange: (e) => set(e.target.value, true) });
    }
    return h('label.param', { title: p.description ?? '' }, h('span', {}, p.name), input, shown);
  }

  /** Renders the entry (STL, for the view) with the values set, and shows it; answers the render. */
  async render() {
    const entry = this.path;
    if (!entry) return undefined;
    const mine = ++this.asked;
    this.info.dataset.state = 'rendering';
    this.info.textContent = 'Rendering…';
    try {
      await this.bench.files.save(); // the render reads what is stored: the text on screen first
      const r = await this.client.render(entry, { params: this.values });
      if (mine !== this.asked) return r; // a newer render was asked meanwhile
      this.showDiagnostics(r);
      if (!r.key) {
        const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
        this.info.dataset.state = 'failed';
        this.info.textContent = `No model: ${errors} error${errors === 1 ? '' : 's'}`;
        return r;
      }
      await this.showMesh(r.key, r.url);
      this.info.dataset.state = 'ok';
      this.info.textContent = `${r.cached ? 'From the cache' : 'Rendered'} in ${r.ms} ms`
        + (r.stats?.facets !== undefined ? ` · ${r.stats.facets} facets` : '');
      return r;
    } catch (e) {
      if (mine === this.asked) {
        this.info.dataset.state = 'error';
        this.info.textContent = explain(e);
      }
      return undefined;
    }
  }

  showDiagnostics(r) {
    fill(this.log, (r.log ?? []).join('\n'));
    fill(this.diagnostics, r.diagnostics.map((d) => h('li', {},
      h('button.link', { dataset: { severity: d.severity }, onclick: () => this.bench.files.goTo(d.path, d.line) },
        `${d.path}:${d.line}`), ` ${d.severity}: ${d.message}`)));
    const open = this.bench.files.current?.path;
    this.bench.files.editor.mark(r.diagnostics.filter((d) => d.path === open && d.line > 0));
  }

  async showMesh(key, url) {
    let mesh = this.meshes.get(key);
    if (!mesh) {
      mesh = await this.bench.api.mesh(url);
      this.meshes.set(key, mesh);
      if (this.meshes.size > KEEP_MESHES) this.meshes.delete(this.meshes.keys().next().value);
    }
    if (!this.viewer) {
      const { Viewer } = await import('./viewer.js');
      this.viewer ??= new Viewer(this.view);
    }
    this.key = key;
    this.view.dataset.key = key;
    this.viewer.show(mesh);
  }

  /** Renders in the chosen format (from the cache when it was) and saves the file. */
  async download() {
    const format = this.format.value;
    try {
      await this.bench.files.save();
      const r = await this.client.render(this.path, { format, params: this.values });
      if (!r.key) {
        notify('The model did not render; see its diagnostics.', 'error');
        this.showDiagnostics(r);
        return;
      }
      const bytes = format === 'stl' && this.meshes.has(r.key) ? this.meshes.get(r.key) : await this.bench.api.mesh(r.url);
      const link = h('a', { href: URL.createObjectURL(new Blob([bytes])),
        download: `${this.path.split('/').pop().replace(/\.scad$/, '')}.${format}` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (e) {
      notify(explain(e), 'error');
    }
  }
}
