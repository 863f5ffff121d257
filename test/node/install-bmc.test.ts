/**
 * The install script's BMC stage (issue 14 item 7): every ipmitool command's exit status is
 * used. A failed command is logged (the password never) and the stage reports
 * install.setupbmc.failed, so `luna node status` shows a BMC that was not configured; the
 * install itself goes on, as a node with a broken BMC still needs its OS.
 */
import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "../../src/lib/exec.ts";
import { tempDir } from "../helpers/node-shell.ts";

const BODY = join(import.meta.dir, "..", "..", "node", "install-body.sh");
const PASSWORD = "s3cret-bmc";

/** A status endpoint on port 0 that records the reported stages. */
function statusServer() {
  const seen: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      seen.push(new URL(req.url).searchParams.get("status") ?? "");
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/luna?status=`,
    seen,
    [Symbol.dispose]: () => server.stop(true),
  };
}

/** Runs luna_setup_bmc with stub ipmitool/modprobe; the stub fails when its arguments match `failOn`. */
async function setupBmc(dir: string, statusUrl: string, failOn: string | null, withIpmitool = true) {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "modprobe"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(bin, "modprobe"), 0o755);
  // Without ipmitool the PATH is this folder alone (the host may have a real ipmitool).
  for (const tool of withIpmitool ? [] : ["curl", "sleep"])
    symlinkSync(Bun.which(tool) ?? tool, join(bin, tool));
  if (withIpmitool) {
    const fail = failOn ? `case "$*" in *'${failOn}'*) echo "Set failed" >&2; exit 1 ;; esac\n` : "";
    writeFileSync(join(bin, "ipmitool"), `#!/bin/sh\necho "$*" >> '${dir}/calls'\n${fail}exit 0\n`);
    chmodSync(join(bin, "ipmitool"), 0o755);
  }
  return exec([Bun.which("bash") ?? "bash", "-c", `source '${BODY}' && luna_setup_bmc && echo done`], {
    env: {
      PATH: withIpmitool ? `${bin}:/usr/bin:/bin` : bin,
      LUNA_URL: "http://127.0.0.1:1/luna",
      LUNA_NODE: "n1",
      LUNA_ROOT: join(dir, "root"),
      LUNA_SOURCE_ONLY: "1",
      LUNA_STATUS_URL: statusUrl,
      LUNA_SETUPBMC: "1",
      LUNA_BMC_IP: "10.148.0.1",
      LUNA_BMC_NETMASK: "255.255.0.0",
      LUNA_BMC_NETCHANNEL: "1",
      LUNA_BMC_MGMTCHANNEL: "1",
      LUNA_BMC_USERID: "2",
      LUNA_BMC_USER: "admin",
      LUNA_BMC_PASSWORD: PASSWORD,
    },
  });
}

test("a BMC set up without errors reports only the stage", async () => {
  using dir = tempDir("luna-bmc-");
  using s = statusServer();
  const r = await setupBmc(dir.path, s.url, null);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("done\n");
  expect(s.seen).toEqual(["install.setupbmc"]);
  expect(readFileSync(join(dir.path, "calls"), "utf8")).toContain("lan set 1 ipaddr 10.148.0.1");
  expect(r.stderr).not.toContain("failed");
});

test("a failed ipmitool command is logged without the password and reported; the install goes on", async () => {
  using dir = tempDir("luna-bmc-");
  using s = statusServer();
  const r = await setupBmc(dir.path, s.url, "ipaddr 10.148");
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("done\n");
  expect(s.seen).toEqual(["install.setupbmc", "install.setupbmc.failed"]);
  expect(r.stderr).toContain(
    "luna: BMC setup: 'ipmitool lan set 1 ipaddr 10.148.0.1' failed (status 1): Set failed",
  );
  expect(r.stderr).toContain("luna: BMC setup incomplete: 1 ipmitool command(s) failed");
  // the later commands still ran: one failure does not leave the user unset
  expect(readFileSync(join(dir.path, "calls"), "utf8")).toContain("user enable 2");
});

test("a failed password command does not print the password", async () => {
  using dir = tempDir("luna-bmc-");
  using s = statusServer();
  const r = await setupBmc(dir.path, s.url, "password");
  expect(s.seen).toEqual(["install.setupbmc", "install.setupbmc.failed"]);
  expect(r.stderr).toContain("'ipmitool user set password 2 ****' failed");
  expect(r.stderr).not.toContain(PASSWORD);
});

test("a BMC that was asked for but has no ipmitool is reported", async () => {
  using dir = tempDir("luna-bmc-");
  using s = statusServer();
  const r = await setupBmc(dir.path, s.url, null, false);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("ipmitool not found; BMC not configured");
  expect(s.seen).toEqual(["install.setupbmc", "install.setupbmc.failed"]);
});
