/**
 * Entry point of the `luna` binary (bun build --compile). Invoked as `lweb`, `ltorrent` or
 * `lpower` through symlinks it behaves like the original tools of those names.
 */
import { basename } from "node:path";
import { runCli } from "./cli/run.ts";

const invokedAs = basename(
  process.argv[1] && !process.argv[1].startsWith("/$bunfs") ? process.argv[1] : process.argv0,
);
const argv = process.argv.slice(2);
const aliases: Record<string, string[]> = {
  lpower: ["node", "power"],
  lweb: ["daemon"],
  ltorrent: ["daemon"],
};
const prefix = aliases[invokedAs] ?? [];
process.exitCode = await runCli([...prefix, ...argv]);
