/**
 * A minimal BootData for renderer tests that need only a node's name, endpoint and credential
 * (the kernel command line, the URLs): no interfaces, no BMC, an image without a version.
 */
import type { BootData } from "../../src/domain/boot/boot-data.ts";
import type { Endpoint } from "../../src/domain/boot/urls.ts";

export function minimalBootData(endpoint: Endpoint, name: string, token?: string): BootData {
  return {
    endpoint,
    name,
    hostname: name,
    mac: "52:54:00:00:00:01",
    localboot: false,
    service: false,
    setupbmc: false,
    kernopts: "",
    kernfile: "vmlinuz",
    initrdfile: "initrd",
    bootIf: null,
    interfaces: [],
    bmc: null,
    image: { id: "1", name: "compute", version: null },
    prescript: "",
    partscript: "",
    postscript: "",
    torrentIf: "",
    method: "torrent",
    seedTail: 0,
    ...(token ? { token } : {}),
  };
}
