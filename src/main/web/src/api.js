// The HTTP API (accounts, projects, import) with the bearer token.
import { BranchworkError } from '../../../../clients/js/src/index.js';

export class Api {
  constructor(token) {
    this.token = token;
  }

  async call(method, path, body, contentType = 'application/json') {
    const headers = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload = body;
    if (body !== undefined && contentType === 'application/json') payload = JSON.stringify(body);
    if (body !== undefined) headers['content-type'] = contentType;
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload });
    } catch {
      throw new BranchworkError('unavailable', 'the server cannot be reached');
    }
    const text = await res.text();
    let json = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    if (!res.ok) {
      const retry = res.headers.get('retry-after');
      throw new BranchworkError(json.code ?? `http_${res.status}`,
        (json.message ?? res.statusText) + (retry ? ` (try again in ${retry} s)` : ''));
    }
    return json;
  }

  register(username, password) { return this.call('POST', '/api/users', { username, password }); }
  signIn(username, password) { return this.call('POST', '/api/sessions', { username, password }); }
  signOut() { return this.call('DELETE', '/api/sessions'); }
  hooks(project) { return this.call('GET', `/api/projects/${encodeURIComponent(project)}/hooks`); }
  createHook(project, url, events, secret) {
    return this.call('POST', `/api/projects/${encodeURIComponent(project)}/hooks`, { url, events, secret });
  }
  deleteHook(project, id) { return this.call('DELETE', `/api/projects/${encodeURIComponent(project)}/hooks/${id}`); }
  deliveries(project, id) {
    return this.call('GET', `/api/projects/${encodeURIComponent(project)}/hooks/${id}/deliveries?limit=20`);
  }
  redeliver(project, id, delivery) {
    return this.call('POST', `/api/projects/${encodeURIComponent(project)}/hooks/${id}/deliveries/${encodeURIComponent(delivery)}/redeliver`);
  }
  /** How one signs in: {local, registration, provider: {name} | null}. */
  authMethods() { return this.call('GET', '/api/auth'); }
  providerUrl(redirectUri, state, challenge) {
    return this.call('POST', '/api/auth/oidc/authorize', { redirectUri, state, challenge });
  }
  providerSignIn(code, verifier, redirectUri) {
    return this.call('POST', '/api/auth/oidc/token', { code, verifier, redirectUri });
  }
  projects() { return this.call('GET', '/api/projects'); }
  createProject(id) { return this.call('POST', '/api/projects', { id }); }
  share(project, username, role) {
    return this.call('POST', `/api/projects/${encodeURIComponent(project)}/members`, { username, role });
  }
  tokens() { return this.call('GET', '/api/tokens'); }
  createToken(name, scope, expiresInDays) { return this.call('POST', '/api/tokens', { name, scope, expiresInDays }); }
  revokeToken(id) { return this.call('DELETE', `/api/tokens/${encodeURIComponent(id)}`); }
  /** A rendered mesh (`url` from a render's answer or a `rendered` event), as bytes. */
  async mesh(url) {
    let res;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.token}` } });
    } catch {
      throw new BranchworkError('unavailable', 'the server cannot be reached');
    }
    if (!res.ok) throw new BranchworkError(res.status === 404 ? 'not_found' : `http_${res.status}`, 'the mesh is gone; render again');
    return res.arrayBuffer();
  }
  importArchive(project, file, branch) {
    const q = branch ? `?branch=${encodeURIComponent(branch)}` : '';
    return this.call('POST', `/api/projects/${encodeURIComponent(project)}/import${q}`, file, 'application/gzip');
  }
}
