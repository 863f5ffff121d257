/** Unknown hardware seen by the switch poller is listed with the switch and port it is cabled to. */
import { expect, test } from "bun:test";
import { switchMacName } from "../../src/domain/boot/discovery-switch.ts";
import { newId } from "../../src/domain/store.ts";
import { createApp } from "../../src/server/app.ts";
import { testCluster } from "../helpers/cluster.ts";

test("an unknown MAC the poller saw on switch01 port 7 is recorded with that switch and port", async () => {
  await using fx = await testCluster({ nodes: 2 });
  const sw = (await fx.store.byName("switch", "switch01"))!;
  const mac = "52:54:00:00:77:01";
  await fx.store.write((tx) =>
    tx.insert("switchmac", {
      id: newId(),
      name: switchMacName(sw.id, mac),
      switch: sw.id,
      port: "7",
      mac,
      vlan: 1,
      seen: new Date().toISOString(),
    }),
  );
  const app = createApp({
    store: fx.store,
    log: { info() {}, warn() {}, error() {} },
    now: () => new Date(),
    secureInstall: true,
  });
  const r = await app.handle(new Request(`http://localhost/luna?step=discovery&hwdata=${mac}`));
  expect(r.status).toBe(404);
  expect(await fx.store.byName("unknown", mac)).toMatchObject({ switch: sw.id, port: "7", count: 1 });
});
