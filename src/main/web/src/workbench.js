// The signed-in workbench: projects and branches, the connection, who is here, and the parts
// (file tree and editor, side panels) that follow the open workspace's events.
import { BranchworkClient } from '../../../../clients/js/src/index.js';
import { h, fill } from './dom.js';
import { Api } from './api.js';
import { Files } from './files.js';
import { Panels } from './panels.js';
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
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.client = new BranchworkClient({ url: `${scheme}://${location.host}/ws`, token: session.token });
  }

  get role() {
    return this.projects.find((p) => p.id === this.project)?.role ?? 'reader';
  }

  get writable() {
    return this.role !== 'reader';
  }

  async start() {
    this.layout();
    this.client.on('state', (e) => this.showState(e.state));
    this.client.on('error', () => this.signOut('Your session ended: sign in again.'));
    this.client.on('resync', () => this.reload());
    this.client.on('*', (e) => this.onEvent(e));
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
          h('button', { title: 'add a member', onclick: () => this.share() }, 'Share')),
        h('div.group', {}, this.branchSelect,
          h('button', { title: 'new branch from here', onclick: () => this.newBranch() }, '+ Branch')),
        h('div.spacer'),
        this.presence, this.state,
        h('span.me', {}, this.session.user),
        h('button', { onclick: () => this.logOut() }, 'Sign out')),
      this.main);
  }

  showState(state) {
    this.state.dataset.state = state;
    this.state.textContent = STATES[state] ?? state;
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

  /** Opens a workspace and shows it (once `listed`, the projects and so the user's role, is in); answers whether it could. */
  async openWorkspace(project, branch, listed = undefined) {
    try {
      const opened = await this.client.open(project, branch);
      await listed;
      this.project = project;
      this.branch = opened.branch ?? branch;
      history.replaceState(null, '', `#/${encodeURIComponent(project)}/${encodeURIComponent(this.branch)}`);
      if (!this.main.contains(this.files.treeEl)) fill(this.main, this.files.treeEl, this.files.editorEl, this.panels.el);
      this.projectSelect.value = project;
      this.panels.clearActivity();
      await Promise.all([this.files.load(), this.panels.refresh(), this.refreshWho(), this.refreshBranches()]);
      return true;
    } catch (e) {
      notify(`Cannot open ${project} ${branch}: ${explain(e)}`, 'error');
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
      case 'joined': case 'left': this.refreshWho().catch(() => {}); break;
      case 'renamed':
        this.branch = e.branch;
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

  async newProject() {
    const v = await ask('New project', [{ name: 'id', label: 'Project id (letters, digits, - and _)', required: true }], 'Create');
    if (!v) return;
    try {
      await this.api.createProject(v.id);
      await this.loadProjects();
      await this.openWorkspace(v.id, 'main');
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async importArchive() {
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
      notify(explain(e), 'error');
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
