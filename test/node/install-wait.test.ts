/**
 * The install body's wait for aria2c's completion flag (luna_aria2c_wait), run by bash: it
 * returns 0 when the flag is there however the wait ended, 1 only when aria2c is gone first.
 * A flag that appeared while the 1 s nap ran to its end (the hook's signal landing outside the
 * wait) once made it return 1, and the node failed a finished download (found by the
 * seeder-kill fault run, docs/reliability.md).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";

const BODY = join(import.meta.dir, "..", "..", "node", "install-body.sh");

async function waitWith(scenario: string) {
  const dir = mkdtempSync(join(tmpdir(), "luna-wait-"));
  try {
    return await exec(
      [
        "bash",
        "-c",
        `source '${BODY}'; LUNA_DL_DIR='${dir}'\n${scenario}\nluna_aria2c_wait 5; echo "rc=$?"; kill "$LUNA_ARIA2_PID" 2>/dev/null`,
      ],
      {
        env: {
          PATH: "/usr/bin:/bin",
          LUNA_URL: "http://127.0.0.1:1/luna",
          LUNA_NODE: "n1",
          LUNA_SOURCE_ONLY: "1",
        },
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the flag appearing without the hook's signal still counts as complete", async () => {
  // aria2c stands in as a long sleep; the flag comes 0.3 s into the first 1 s nap, no USR1.
  const r = await waitWith(
    `sleep 30 >/dev/null 2>&1 & LUNA_ARIA2_PID=$!; ( sleep 0.3; : > "$LUNA_DL_DIR/complete" ) &`,
  );
  expect(r.stdout.trim()).toBe("rc=0");
});

test("the flag with the hook's signal counts as complete", async () => {
  const r = await waitWith(
    `sleep 30 >/dev/null 2>&1 & LUNA_ARIA2_PID=$!; ( sleep 0.3; : > "$LUNA_DL_DIR/complete"; kill -USR1 $$ ) &`,
  );
  expect(r.stdout.trim()).toBe("rc=0");
});

test("aria2c gone before the flag fails the wait and says so", async () => {
  const r = await waitWith(`( exit 3 ) & LUNA_ARIA2_PID=$!`);
  expect(r.stdout.trim()).toBe("rc=1");
  expect(r.stderr).toContain("aria2c exited before the download completed");
});
