// A three-way merge of lines, as git merges a file: the changes base→mine and base→theirs are
// both applied where they touch different lines; where they change the same lines differently
// the result keeps both sides as a conflict for the user to choose. Myers' diff, with a bound on
// its work so that a huge file cannot freeze the page (past it, the whole file is one conflict).

/**
 * Most (edit distance × total lines) a diff may cost before it gives up; it bounds the time, and
 * the frontiers kept (edit distance² numbers) to some 16 MB.
 */
const MAX_COST = 4_000_000;

/** A text's lines, each with its own line end (the last may have none). */
export function splitLines(text) {
  const out = text.split(/(?<=\n)/);
  return out.length === 1 && out[0] === '' ? [] : out;
}

/**
 * The hunks that turn lines `a` into lines `b`: [{ start, end, lines }], in order, each replacing
 * a[start..end) with `lines`; null when the diff costs more than the bound.
 */
export function diff(a, b) {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    if (d * (max + 1) > MAX_COST) return null;
    trace.push(v.slice(off - d - 1, off + d + 2)); // the frontier before step d: diagonals -d-1 .. d+1
    for (let k = -d; k <= d; k += 2) {
      let x = (k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { done = true; break; }
    }
  }
  // Back through the frontiers: each step is a diagonal run (equal lines) and one insert or delete.
  const ops = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d];
    const at = (diagonal) => frontier[diagonal + d + 1];
    const k = x - y;
    const prevK = (k === -d || (k !== d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { ops.push(['=', x - 1, y - 1]); x--; y--; }
    if (d > 0) {
      if (x === prevX) ops.push(['+', x, y - 1]);
      else ops.push(['-', x - 1, y]);
    }
    x = prevX;
    y = prevY;
  }
  ops.reverse();
  const hunks = [];
  let cur = null;
  for (const [op, i, j] of ops) {
    if (op === '=') {
      if (cur) hunks.push(cur);
      cur = null;
    } else if (op === '-') {
      if (!cur) cur = { start: i, end: i, lines: [] };
      cur.end = i + 1;
    } else {
      if (!cur) cur = { start: i, end: i, lines: [] };
      cur.lines.push(b[j]);
    }
  }
  if (cur) hunks.push(cur);
  return hunks;
}

/** Whether two hunks (of base) cannot both apply: they overlap, or both insert at one place. */
function clash(h, g) {
  if (h.start === h.end && g.start === g.end) return h.start === g.start;
  if (h.start === h.end) return h.start > g.start && h.start < g.end;
  if (g.start === g.end) return g.start > h.start && g.start < h.end;
  return h.start < g.end && g.start < h.end;
}

/** base[start..end) with the hunks (all inside it) applied. */
function apply(base, start, end, hunks) {
  const out = [];
  let at = start;
  for (const h of hunks) {
    out.push(...base.slice(at, h.start), ...h.lines);
    at = h.end;
  }
  out.push(...base.slice(at, end));
  return out;
}

/**
 * Merges `mine` and `theirs`, both made from `base`. Answers { text, conflicts } where `text`
 * has every change that does not clash, and each clash as a conflict { mine, theirs, base }
 * (texts of the lines in question) resolved as `prefer` says ('mine' or 'theirs').
 */
export function merge3(base, mine, theirs, prefer = 'mine') {
  const b = splitLines(base);
  const ours = diff(b, splitLines(mine));
  const their = diff(b, splitLines(theirs));
  if (ours === null || their === null) {
    return { text: prefer === 'mine' ? mine : theirs, conflicts: mine === theirs ? [] : [{ mine, theirs, base }] };
  }
  const all = [...ours.map((h) => ({ ...h, side: 'mine' })), ...their.map((h) => ({ ...h, side: 'theirs' }))]
    .sort((p, q) => p.start - q.start || p.end - q.end);
  // Groups of hunks that clash with each other, transitively; a group of one side applies as it is.
  const groups = [];
  for (const h of all) {
    const g = groups[groups.length - 1];
    if (g && g.hunks.some((o) => o.side !== h.side && clash(o, h))) {
      g.hunks.push(h);
      g.start = Math.min(g.start, h.start);
      g.end = Math.max(g.end, h.end);
    } else {
      groups.push({ start: h.start, end: h.end, hunks: [h] });
    }
  }
  const out = [];
  const conflicts = [];
  let at = 0;
  for (const g of groups) {
    out.push(...b.slice(at, g.start));
    const sides = new Set(g.hunks.map((h) => h.side));
    const m = apply(b, g.start, g.end, g.hunks.filter((h) => h.side === 'mine'));
    const t = apply(b, g.start, g.end, g.hunks.filter((h) => h.side === 'theirs'));
    if (sides.size === 1 || m.join('') === t.join('')) {
      out.push(...(sides.has('mine') ? m : t));
    } else {
      conflicts.push({ mine: m.join(''), theirs: t.join(''), base: b.slice(g.start, g.end).join('') });
      out.push(...(prefer === 'mine' ? m : t));
    }
    at = Math.max(at, g.end);
  }
  out.push(...b.slice(at));
  return { text: out.join(''), conflicts };
}
