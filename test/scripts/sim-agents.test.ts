/**
 * The emulated cluster's node agent (scripts/lib/sim-agents.ts) asks for the URLs a real node
 * asks for: the boot URL DHCP hands out, the discovery URL of the iPXE menu, and the install
 * script at installUrl with the credential from the kernel line, read by the dracut module's
 * own parser. Run here without namespaces: a stand-in daemon answers with the real renderers,
 * `mount` is a stub and the install script it gets only exits 0.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODE_AGENT } from "../../scripts/lib/sim-agents.ts";
import { renderBootMenu, renderNodeBoot } from "../../src/domain/boot/ipxe.ts";
import { bootStepUrl, type Endpoint, installUrl } from "../../src/domain/boot/urls.ts";
import { exec } from "../../src/lib/exec.ts";
import { minimalBootData } from "../helpers/boot-data.ts";
import { tempDir, writeStubs } from "../helpers/node-shell.ts";

const MAC = "52:54:00:00:00:01";
const TOKEN = "7a".repeat(32);

test("the node agent asks for the boot menu, discovery and the install script at installUrl", async () => {
  const seen: string[] = [];
  let endpoint: Endpoint = { proto: "http", host: "127.0.0.1", port: 0 };
  using server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const url = new URL(req.url);
      seen.push(url.search);
      const step = url.searchParams.get("step");
      if (step === "boot") return new Response(renderBootMenu(endpoint));
      if (step === "discovery")
        return new Response(renderNodeBoot(minimalBootData(endpoint, "node001", TOKEN)));
      return new Response("#!/bin/bash\nexit 0\n");
    },
  });
  endpoint = { ...endpoint, port: server.port as number };
  using dir = tempDir();
  const stubs = writeStubs(dir.path, ["mount"]);
  writeFileSync(join(dir.path, "agent.sh"), NODE_AGENT);
  const root = join(dir.path, "node1");
  const r = await exec(["bash", join(dir.path, "agent.sh"), MAC, root, bootStepUrl(endpoint)], {
    env: { PATH: `${stubs}:/usr/bin:/bin` },
    timeoutMs: 60_000,
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(seen).toEqual([
    "?step=boot",
    `?step=discovery&hwdata=${MAC}`,
    new URL(installUrl(endpoint, "node001", TOKEN)).search,
  ]);
  expect(readFileSync(join(dir.path, "calls.log"), "utf8")).toBe(`mount --bind ${root} /sysroot\n`);
});
