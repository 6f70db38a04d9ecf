// The workbench's three-way line merge (src/main/web/src/merge3.js), as `node --test` runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diff, merge3 } from '../../main/web/src/merge3.js';

const base = 'a\nb\nc\nd\ne\n';

test('changes to different lines both apply, adjacent lines included', () => {
  assert.deepEqual(merge3(base, 'A\nb\nc\nd\ne\n', 'a\nb\nc\nD\ne\n'), { text: 'A\nb\nc\nD\ne\n', conflicts: [] });
  assert.deepEqual(merge3(base, 'a\nB\nc\nd\ne\n', 'a\nb\nC\nd\ne\n').text, 'a\nB\nC\nd\ne\n');
  assert.equal(merge3(base, `${base}f\n`, `z\n${base}`).text, `z\n${base}f\n`);
});

test('the same change on both sides is taken once', () => {
  assert.deepEqual(merge3(base, 'a\nc\nd\ne\n', 'a\nc\nd\ne\n'), { text: 'a\nc\nd\ne\n', conflicts: [] });
});

test('a clash is reported with both versions and resolved by the side preferred, keeping the rest', () => {
  const mine = 'a\nX\nc\nd\ne\n';
  const theirs = 'a\nY\nc\nd\nE\n';
  const r = merge3(base, mine, theirs);
  assert.deepEqual(r.conflicts, [{ mine: 'X\n', theirs: 'Y\n', base: 'b\n' }]);
  assert.equal(r.text, 'a\nX\nc\nd\nE\n');
  assert.equal(merge3(base, mine, theirs, 'theirs').text, 'a\nY\nc\nd\nE\n');
  assert.equal(merge3('v1\n', 'v1\ncube\n', 'v1\nsphere\n').conflicts.length, 1, 'two inserts at one place clash');
});

test('a file without a final newline, and empty files', () => {
  assert.equal(merge3('x', 'x', 'y').text, 'y');
  assert.equal(merge3('', 'm\n', '').text, 'm\n');
});

test('diff turns any text into any other (random lines)', () => {
  let seed = 42;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const lines = () => Array.from({ length: Math.floor(rnd() * 12) }, () => `${'abc'[Math.floor(rnd() * 3)]}\n`);
  for (let t = 0; t < 2000; t++) {
    const a = lines();
    const b = lines();
    const out = [];
    let at = 0;
    for (const h of diff(a, b)) {
      out.push(...a.slice(at, h.start), ...h.lines);
      at = h.end;
    }
    out.push(...a.slice(at));
    assert.deepEqual(out, b);
    assert.equal(merge3(a.join(''), b.join(''), a.join('')).text, b.join(''));
    assert.equal(merge3(a.join(''), a.join(''), b.join('')).text, b.join(''));
  }
});

test('a diff too costly to compute gives the whole file as one clash instead of freezing', () => {
  const big = (c) => Array.from({ length: 6000 }, (_, i) => `${c}${i}\n`).join('');
  const r = merge3(big('a'), big('b'), big('c'));
  assert.equal(r.conflicts.length, 1);
  assert.equal(r.text, big('b'));
});
