// Unsaved text that could not be saved where it was typed (a switch of branch, a reload, a
// conflict left open): kept in this browser per (user, project, branch, path) with the blob and
// text it was made from, and offered again when that file is next opened on that branch. Never
// written anywhere else.
const PREFIX = 'branchwork.draft:';

const keyOf = (user, { project, branch, path }) => `${PREFIX}${JSON.stringify([user, project, branch, path])}`;

export class Drafts {
  constructor(user) {
    this.user = user;
  }

  /** Keeps `text`, typed on top of `base` (blob) whose text was `baseText`, for that file. */
  put(file, base, baseText, text) {
    try {
      localStorage.setItem(keyOf(this.user, file), JSON.stringify({ base, baseText, text, at: Date.now() }));
    } catch {
      // storage full or disabled: the unload warning is what is left
    }
  }

  get(file) {
    try {
      return JSON.parse(localStorage.getItem(keyOf(this.user, file)) ?? 'null');
    } catch {
      return null;
    }
  }

  drop(file) {
    localStorage.removeItem(keyOf(this.user, file));
  }
}
