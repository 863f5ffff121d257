/**
 * The seed README's "Create cluster config" and "Add node" sections, run verbatim (only the
 * image path is ours, and `osimage pack` comes with the image pipeline) against the compiled
 * binary copied alone into an empty folder.
 */
import { expect, test } from "bun:test";
import { sandbox } from "../helpers/luna.ts";
import { SEED } from "../helpers/seed-walkthrough.ts";

test("seed walkthrough runs verbatim against the compiled binary and stores the expected cluster", async () => {
  await using box = await sandbox();
  const run = await box.sh(SEED(box.imageTree()));
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("node001");

  const node = JSON.parse((await box.luna(["node", "show", "node001", "--json"])).stdout);
  expect(node).toMatchObject({
    name: "node001",
    group: "compute",
    switch: "switch01",
    port: "1",
    localboot: true,
    service: true,
    setupbmc: false,
    interfaces: { enp7s0: { ip4: "10.30.0.1" }, BMC: { ip4: "10.31.0.1" } },
  });

  const group = JSON.parse((await box.luna(["group", "show", "compute", "--json"])).stdout);
  expect(group).toMatchObject({ osimage: "compute", bmcsetup: "base", boot_if: "enp7s0", domain: "cluster" });
  expect(group.interfaces).toEqual([
    { name: "enp7s0", network4: "cluster", network6: null, params: "DEVICE=enp0s3\nONBOOT=yes" },
    { name: "BMC", network4: "ipmi", network6: null, params: "" },
  ]);
  expect(group.postscript).toStartWith(
    "mount -o bind /proc /sysroot/proc\nmount -o bind /dev /sysroot/dev\nchroot /sysroot",
  );
  expect(group.postscript).toEndWith("umount /sysroot/proc");
  expect(group.partscript).toBe("mount -t tmpfs tmpfs /sysroot");

  const sw = JSON.parse((await box.luna(["switch", "show", "switch01", "--json"])).stdout);
  expect(sw).toMatchObject({ ip: "10.31.253.21", network: "ipmi", oid: ".1.3.6.1.2.1.17.7.1.2.2.1.2" });
  const reserved = JSON.parse(
    (await box.luna(["network", "show", "ipmi", "--reservedips", "--json"])).stdout,
  );
  expect(reserved).toContainEqual({ ip: "10.31.253.21", holder: "switch/switch01" });
  expect(reserved).toContainEqual({ ip: "10.31.0.1", holder: "node/node001:BMC" });

  const cluster = JSON.parse((await box.luna(["cluster", "show", "--json"])).stdout);
  expect(cluster.frontend_address).toBe("10.30.255.254");
  const list = await box.luna(["node", "list"]);
  expect(list.code).toBe(0);
  expect(list.stdout).toContain("| node001 ");
  expect(list.stdout).toContain("enp7s0:10.30.0.1");
});

test("node add after the walkthrough names node002 and never hands out the frontend address", async () => {
  await using box = await sandbox();
  expect((await box.sh(SEED(box.imageTree()))).code).toBe(0);
  const added = await box.luna(["node", "add", "-g", "compute"]);
  expect(added).toMatchObject({ code: 0, stdout: "node002\n" });
  const held = JSON.parse((await box.luna(["network", "show", "cluster", "--reservedips", "--json"])).stdout);
  expect(held).toContainEqual({ ip: "10.30.0.2", holder: "node/node002:enp7s0" });
  const atFrontend = held
    .filter((h: { ip: string }) => h.ip === "10.30.255.254")
    .map((h: { holder: string }) => h.holder);
  expect(atFrontend.length).toBeGreaterThan(0);
  expect(atFrontend.every((h: string) => h === "frontend" || h.startsWith("nameserver"))).toBe(true);
});

test("the binary prints help and its version from an empty folder", async () => {
  await using box = await sandbox();
  const help = await box.luna(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Commands:");
  expect(help.stdout).toContain("osimage");
  expect((await box.luna(["version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
