// The signed-in workbench: projects and branches, the connection, who is here, and the parts
// (file tree and editor, side panels) that follow the open workspace's events.
import { BranchworkClient } from '../../../../clients/js/src/index.js';
import { h, fill } from './dom.js';
import { Api } from './api.js';
import { Files } from './files.js';
import { Panels } from './panels.js';
import { gitAccess } from './access.js';
import { webhooks } from './hooks.js';
import { mergeDialog } from './merging.js';
import { ask, explain, notify } from './ui.js';

const STATES = { idle: 'offline', connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…',
  closed: 'offline' };

export class Workbench {
  constructor(root, session, signOut) {
    this.root = root;
    this.session = session;
    this.signOut = signOut;
    this.api = new Api(session.token);
    this.projects = [];
    this.project = undefined;
    this.branch = undefined;
    this.opened = undefined; // { project, branch } while that workspace is open and no switch is under way
    this.switching = Promise.resolve();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.client = new BranchworkClient({ url: `${scheme}://${location.host}/ws`, token: session.token });
  }

  get role() {
    return this.projects.find((p) => p.id === this.project)?.role ?? 'reader';
  }

  get writable() {
    return this.role !== 'reader';
  }

  /** Whether `file`'s workspace is the open one (and no switch is under way): only then is it saved. */
  isOpen(file) {
    return this.opened !== undefined && file.project === this.opened.project && file.branch === this.opened.branch;
  }

  async start() {
    this.layout();
    this.client.on('state', (e) => this.showState(e.state));
    this.client.on('error', () => this.signOut('Your session ended: sign in again.'));
    this.client.on('resync', () => this.reload());
    this.client.on('*', (e) => this.onEvent(e));
    // Typing not yet saved when the page goes: kept as a draft of its branch, sent now if the
    // connection allows, and the browser asks before leaving.
    window.addEventListener('beforeunload', (e) => {
      if (!this.files.dirty) return;
      this.files.keepDraft();
      this.files.save();
      e.preventDefault();
      e.returnValue = '';
    });
    // The projects (HTTP) and the connection (WebSocket) load side by side; the workspace the
    // address names opens as soon as the connection is up.
    const listed = this.loadProjects();
    listed.catch(() => {}); // awaited below; a failure is reported there, not as an unhandled rejection
    const [project, branch] = location.hash.slice(2).split('/').map(decodeURIComponent);
    try {
      await this.client.connect();
      if (project && await this.openWorkspace(project, branch || 'main', listed)) return;
      await listed;
      if (this.projects.length) await this.openWorkspace(this.projects[0].id, 'main');
      else this.showEmpty();
    } catch (e) {
      if (e.code === 'unauthenticated') this.signOut('Your session ended: sign in again.');
      else notify(explain(e), 'error');
    }
  }

  layout() {
    this.projectSelect = h('select', { 'aria-label': 'project', onchange: (e) => this.openWorkspace(e.target.value, 'main') });
    this.branchSelect = h('select', { 'aria-label': 'branch', onchange: (e) => this.openWorkspace(this.project, e.target.value) });
    this.presence = h('ul.presence', { 'aria-label': 'who is here' });
    this.state = h('span.conn', { dataset: { state: 'connecting' }, title: 'connection' }, 'connecting…');
    this.files = new Files(this);
    this.panels = new Panels(this);
    this.main = h('main.layout', {}, this.files.treeEl, this.files.editorEl, this.panels.el);
    fill(this.root,
      h('header.topbar', {},
        h('span.brand', {}, 'Branchwork'),
        h('div.group', {}, this.projectSelect,
          h('button', { title: 'new project', onclick: () => this.newProject() }, '+ Project'),
          h('button', { title: 'import a tar.gz of a repository', onclick: () => this.importArchive() }, 'Import'),
          h('button', { title: 'add a member', onclick: () => this.share() }, 'Share'),
          h('button', { title: 'clone URL and access tokens for git', onclick: () => gitAccess(this) }, 'Git'),
          this.hooksButton = h('button', { title: 'webhooks of this project (owners)', onclick: () => webhooks(this) },
            'Hooks')),
        h('div.group', {}, this.branchSelect,
          h('button', { title: 'new branch from here', onclick: () => this.newBranch() }, '+ Branch'),
          h('button', { title: 'merge another branch into this one', onclick: () => mergeDialog(this) }, 'Merge')),
        h('div.spacer'),
        this.presence, this.state,
        h('span.me', {}, this.session.user),
        h('button', { onclick: () => this.logOut() }, 'Sign out')),
      this.main);
  }

  showState(state) {
    this.state.dataset.state = state;
    this.state.textContent = STATES[state] ?? state;
    // Who is here is only known while connected: cleared at once, read again on reconnecting.
    if (state !== 'open') fill(this.presence);
    else if (this.opened) this.refreshWho().catch(() => {});
  }

  showEmpty() {
    fill(this.main, h('section.empty', {},
      h('h2', {}, 'No projects yet'),
      h('p', {}, 'Create a project, or import a repository as a tar.gz.'),
      h('div.row', {}, h('button.primary', { onclick: () => this.newProject() }, 'Create a project'),
        h('button', { onclick: () => this.importArchive() }, 'Import'))));
  }

  async loadProjects() {
    this.projects = await this.api.projects();
    fill(this.projectSelect, this.projects.map((p) => h('option', { value: p.id, selected: p.id === this.project },
      p.name && p.name !== p.id ? `${p.id} (${p.name})` : p.id)));
  }

  /**
   * Opens a workspace and shows it (once `listed`, the projects and so the user's role, is in);
   * answers whether it could. Switches run one at a time, and what is typed in the workspace
   * being left is saved there first (or kept as its draft): nothing crosses to the next one.
   */
  openWorkspace(project, branch, listed = undefined) {
    const next = this.switching.then(() => this.switchTo(project, branch, listed));
    this.switching = next.catch(() => {});
    return next;
  }

  async switchTo(project, branch, listed) {
    const before = this.opened;
    const path = this.files.current?.path;
    await this.files.leave();
    this.opened = undefined;
    try {
      const opened = await this.client.open(project, branch);
      await listed;
      this.project = project;
      this.branch = opened.branch ?? branch;
      this.opened = { project, branch: this.branch };
      history.replaceState(null, '', `#/${encodeURIComponent(project)}/${encodeURIComponent(this.branch)}`);
      if (!this.main.contains(this.files.treeEl)) fill(this.main, this.files.treeEl, this.files.editorEl, this.panels.el);
      this.projectSelect.value = project;
      this.hooksButton.hidden = this.role !== 'owner'; // only owners manage a project's webhooks
      this.panels.clearActivity();
      await Promise.all([this.files.load(path), this.panels.refresh(), this.refreshWho(), this.refreshBranches()]);
      return true;
    } catch (e) {
      notify(`Cannot open ${branch} of ${project}. ${explain(e)}`, 'error');
      if (before && this.client.workspace?.project === before.project && this.client.workspace?.branch === before.branch) {
        this.opened = before; // the server kept the one open before: show it again
        await this.files.load(path).catch(() => {});
      }
      this.projectSelect.value = this.project ?? '';
      this.branchSelect.value = this.branch ?? '';
      return false;
    }
  }

  /** After a resync (events were lost) or a reopen: everything shown is read again. */
  async reload() {
    await Promise.all([this.files.resync(), this.panels.refresh(), this.refreshWho(), this.refreshBranches()]);
  }

  async refreshBranches() {
    const { branches } = await this.client.branches();
    fill(this.branchSelect, branches.map((b) => h('option', { value: b.name, selected: b.name === this.branch }, b.name)));
  }

  async refreshWho() {
    const { users } = await this.client.who();
    fill(this.presence, users.map((u) => h('li.user', { title: `${u.user} (${u.sessions} session${u.sessions === 1 ? '' : 's'})`,
      dataset: { user: u.user } }, u.user)));
  }

  onEvent(e) {
    switch (e.event) {
      case 'changed': this.files.onChanged(e); this.panels.onChanged(); break;
      case 'committed': this.panels.onCommitted(); break;
      case 'rendered': this.panels.canvas.onRendered(e).catch(() => {}); break;
      case 'joined': case 'left': this.refreshWho().catch(() => {}); break;
      case 'projects': this.projectsChanged().catch(() => {}); break;
      case 'renamed':
        this.branch = e.branch;
        this.opened = this.opened && { ...this.opened, branch: e.branch };
        if (this.files.current) this.files.current.branch = e.branch;
        history.replaceState(null, '', `#/${encodeURIComponent(this.project)}/${encodeURIComponent(e.branch)}`);
        this.refreshBranches().catch(() => {});
        break;
      case 'closing':
        if (e.reason !== 'renamed') notify(`The workspace closed (${e.reason}).`, 'error');
        break;
      default:
    }
    this.panels.activity(e);
  }

  /** Someone shared a project with this user, or changed their role: the list and the editor follow. */
  async projectsChanged() {
    const wasWritable = this.writable;
    const known = new Set(this.projects.map((p) => p.id));
    await this.loadProjects();
    for (const p of this.projects) {
      // A project this page is making itself is opened by that step; others are news.
      if (!known.has(p.id) && !this.creating) notify(`You can now open ${p.id} (as ${p.role}).`, 'ok');
    }
    if (this.project) this.hooksButton.hidden = this.role !== 'owner';
    if (!this.projects.length) this.showEmpty();
    else if (!this.project && !this.creating) await this.openWorkspace(this.projects[0].id, 'main');
    else if (this.writable !== wasWritable) this.files.editor.setEditable(this.writable && !this.files.current?.binary);
  }

  /** Runs a step that makes a project (and opens it itself): no other project is opened meanwhile. */
  async creatingProject(step) {
    this.creating = true;
    try {
      await step();
    } finally {
      this.creating = false;
    }
  }

  newProject() {
    return this.creatingProject(() => this.askNewProject());
  }

  async askNewProject() {
    const v = await ask('New project', [{ name: 'id', label: 'Project id (letters, digits, - and _)', required: true,
      pattern: '[A-Za-z0-9_\\-]{1,64}', title: 'A project id has 1 to 64 letters, digits, - or _: no spaces or dots.' }], 'Create');
    if (!v) return;
    try {
      await this.api.createProject(v.id);
      await this.loadProjects();
      await this.openWorkspace(v.id, 'main');
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  importArchive() {
    return this.creatingProject(() => this.askImport());
  }

  async askImport() {
    const v = await ask('Import a repository', [
      { name: 'project', label: 'Into project (a new id, or one of yours whose branch is still empty)', value: this.project, required: true },
      { name: 'file', label: 'Archive (.tar.gz of a working copy with .git)', type: 'file', accept: '.tar.gz,.tgz,application/gzip', required: true },
      { name: 'branch', label: 'As branch (empty: the archive\'s own)', placeholder: 'main' }], 'Import');
    if (!v) return;
    try {
      if (!this.projects.some((p) => p.id === v.project)) await this.api.createProject(v.project);
      if (v.project === this.project) await this.client.closeWorkspace(); // the import may replace the open branch
      const done = await this.api.importArchive(v.project, v.file, v.branch);
      notify(`Imported ${done.branch} (${(done.branches ?? []).length} more branches)`, 'ok');
      await this.loadProjects();
      await this.openWorkspace(v.project, done.branch);
    } catch (e) {
      notify(explain(e), 'error');
      if (this.project) await this.openWorkspace(this.project, this.branch);
    }
  }

  async share() {
    const v = await ask(`Share ${this.project}`, [{ name: 'username', label: 'User name', required: true },
      { name: 'role', label: 'Role', options: ['reader', 'writer', 'owner'], value: 'writer' }], 'Add');
    if (!v) return;
    try {
      await this.api.share(this.project, v.username, v.role);
      notify(`${v.username} is a ${v.role} of ${this.project}`, 'ok');
    } catch (e) {
      notify(e.code === 'not_found' ? `There is no user named ${v.username}. They need to register first;`
        + ' then share the project again.' : explain(e), 'error');
    }
  }

  async newBranch() {
    const v = await ask(`New branch from ${this.branch}`, [{ name: 'name', label: 'Branch name', required: true }], 'Create');
    if (!v) return;
    try {
      await this.client.branchCreate(v.name);
      await this.openWorkspace(this.project, v.name);
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async logOut() {
    this.client.disconnect();
    await this.api.signOut().catch(() => {});
    this.signOut('Signed out.');
  }
}
