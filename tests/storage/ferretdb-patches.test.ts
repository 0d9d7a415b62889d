// The build's patches: applied in name order with git apply, a clear error naming one that does not apply, and a
// digest that changes with any of them (the cached binary's path).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPatches, filesDigest, PatchError, patchFiles } from '../../src/storage/ferretdb-patches';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephr-patches-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A patch file in `dir/patches` with a header, changing `file` from `from` lines to `to` lines. */
function writePatch(name: string, file: string, from: string[], to: string[]): string {
  const p = path.join(dir, 'patches', name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  const hunk = [
    `@@ -1,${from.length} +1,${to.length} @@`,
    ...from.map((l) => `-${l}`),
    ...to.map((l) => `+${l}`),
  ];
  const head = from.length === 0 ? ['new file mode 100644', '--- /dev/null'] : [`--- a/${file}`];
  fs.writeFileSync(
    p,
    [
      `Why ${name}: a header.`,
      '',
      `diff --git a/${file} b/${file}`,
      ...head,
      `+++ b/${file}`,
      ...hunk,
      '',
    ].join('\n'),
  );
  return p;
}

function tree(sub: string): string {
  const t = path.join(dir, sub);
  fs.mkdirSync(path.join(t, 'pkg'), { recursive: true });
  fs.writeFileSync(path.join(t, 'pkg', 'a.go'), 'one\ntwo\n');
  return t;
}

it('applies the patches in the order of their names, adding and changing files', () => {
  const t = tree('module');
  writePatch('02-second.patch', 'pkg/a.go', ['ONE', 'two'], ['ONE', 'TWO']);
  writePatch('01-first.patch', 'pkg/a.go', ['one', 'two'], ['ONE', 'two']);
  writePatch('03-new-file.patch', 'pkg/new.go', [], ['added']);
  fs.writeFileSync(path.join(dir, 'patches', 'README.txt'), 'not a patch');
  const files = patchFiles(path.join(dir, 'patches'));
  expect(files.map((f) => path.basename(f))).toEqual([
    '01-first.patch',
    '02-second.patch',
    '03-new-file.patch',
  ]);
  applyPatches(t, files);
  expect(fs.readFileSync(path.join(t, 'pkg', 'a.go'), 'utf8')).toBe('ONE\nTWO\n');
  expect(fs.readFileSync(path.join(t, 'pkg', 'new.go'), 'utf8')).toBe('added\n');
});

it('names the patch that does not apply, and leaves the files it would change as they were', () => {
  const t = tree('module');
  const good = writePatch('01-good.patch', 'pkg/a.go', ['one', 'two'], ['ONE', 'two']);
  const stale = writePatch('02-stale.patch', 'pkg/a.go', ['one', 'three'], ['one', 'THREE']);
  expect(() => applyPatches(t, [good, stale])).toThrow(PatchError);
  fs.writeFileSync(path.join(t, 'pkg', 'a.go'), 'one\ntwo\n');
  expect(() => applyPatches(t, [good, stale])).toThrow(
    /^02-stale\.patch does not apply .*patch does not apply/s,
  );
  expect(fs.readFileSync(path.join(t, 'pkg', 'a.go'), 'utf8')).toBe('ONE\ntwo\n');
});

it('applies inside a directory that a git repository holds', () => {
  expect(spawnSync('git', ['init', '-q', dir]).status).toBe(0);
  const t = tree('deep/module');
  applyPatches(t, [writePatch('01.patch', 'pkg/a.go', ['one', 'two'], ['ONE', 'two'])]);
  expect(fs.readFileSync(path.join(t, 'pkg', 'a.go'), 'utf8')).toBe('ONE\ntwo\n');
});

it("the project's patches each say why before their diff, and the digest follows their contents", () => {
  const files = patchFiles();
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expect(fs.readFileSync(f, 'utf8')).toMatch(/^[A-Z][^\n]+\n\n(.+\n)+\ndiff --git /);
  const copies = files.map((f) => path.join(dir, path.basename(f)));
  files.forEach((f, i) => fs.copyFileSync(f, copies[i]!));
  const before = filesDigest(copies);
  expect(filesDigest(copies)).toBe(before);
  fs.appendFileSync(copies[copies.length - 1]!, ' ');
  expect(filesDigest(copies)).not.toBe(before);
  expect(filesDigest(copies.slice(0, -1))).not.toBe(before);
});
