// The fixes the embedded database's build applies to a copy of the FerretDB module: unified diffs in
// scripts/ferretdb/patches/, each with a header saying why, applied in the order of their names (README: the table).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root';

export const PATCH_DIR = path.join(projectRoot, 'scripts', 'ferretdb', 'patches');

export class PatchError extends Error {}

/** The `.patch` files of `dir`, in the order they apply (by name). */
export function patchFiles(dir: string = PATCH_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Applies each patch to the tree in `dir` with `git apply` (which needs no repository), in order; throws a
 * PatchError naming the first that does not apply, which then changes nothing.
 */
export function applyPatches(dir: string, patches: string[]): void {
  for (const p of patches) {
    const r = spawnSync('git', ['apply', '--whitespace=nowarn', p], {
      cwd: dir,
      encoding: 'utf8',
      // Inside a repository, git apply would take paths from its root and skip those outside `dir`: look no higher.
      env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(dir)) },
    });
    if (r.error || r.status !== 0)
      throw new PatchError(
        `${path.basename(p)} does not apply to ${dir}; the patch needs review: ${r.error?.message ?? r.stderr.trim()}`,
      );
  }
}

/** A digest of the files' names and contents, in order: a change to any of them changes it. */
export function filesDigest(files: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files)
    hash.update(`${path.basename(f)}\0${fs.readFileSync(f).length}\0`).update(fs.readFileSync(f));
  return hash.digest('hex');
}
