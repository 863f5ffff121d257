/**
 * The gate picks shell files by name or by shebang (issue 14 item 7): scripts/make-test-image
 * and .ci/run have no `.sh` but are shell, so shellcheck sees them; node-side files are the
 * ones shfmt holds to one format.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { isNodeSide, isShellFile, shellFiles } from "../../scripts/lib/shell-files.ts";

test("a .sh name or a sh/bash/dash shebang makes a shell file", () => {
  expect(isShellFile("x.sh", "")).toBe(true);
  expect(isShellFile("scripts/make-test-image", "#!/usr/bin/env bash")).toBe(true);
  expect(isShellFile("a", "#!/bin/sh -e")).toBe(true);
  expect(isShellFile("a", "#!/bin/dash")).toBe(true);
  expect(isShellFile("a", "#!/usr/bin/env bun")).toBe(false);
  expect(isShellFile("a", "#!/usr/bin/zsh")).toBe(false);
  expect(isShellFile("README.md", "# bash")).toBe(false);
});

test("the repository's shell files include the ones without .sh", async () => {
  const files = await shellFiles(join(import.meta.dir, "..", ".."));
  expect(files).toContain("scripts/make-test-image");
  expect(files).toContain(".ci/run");
  expect(files).toContain("scripts/cluster-sim");
  expect(files.some((f) => f.endsWith(".ts"))).toBe(false);
});

test("node-side files are the dracut module and the install body", () => {
  expect(isNodeSide("node/dracut/95luna/luna-lib.sh")).toBe(true);
  expect(isNodeSide("node/install-body.sh")).toBe(true);
  expect(isNodeSide("scripts/make-test-image")).toBe(false);
});
