/**
 * Which tracked files the gate lints as shell: a `.sh` name, or a first line that runs sh,
 * bash or dash (scripts/make-test-image, .ci/run). Node-side files (node/: the dracut module and
 * the install body) are also held to one format with shfmt; its settings are in .editorconfig.
 */
import { $ } from "bun";

const SHEBANG = /^#!.*\b(?:sh|bash|dash)(?:\s|$)/;

export const isShellFile = (path: string, firstLine: string): boolean =>
  path.endsWith(".sh") || SHEBANG.test(firstLine);

export const isNodeSide = (path: string): boolean => path.startsWith("node/");

/** Tracked shell files of the repository in `cwd`, by name or shebang. */
export async function shellFiles(cwd = "."): Promise<string[]> {
  const tracked = (await $`git ls-files -z`.cwd(cwd).text()).split("\0").filter(Boolean);
  const out: string[] = [];
  for (const path of tracked) {
    const file = Bun.file(`${cwd}/${path}`);
    if (!(await file.exists())) continue;
    const head = new TextDecoder().decode(await file.slice(0, 128).arrayBuffer());
    if (isShellFile(path, head.split("\n", 1)[0] ?? "")) out.push(path);
  }
  return out;
}
