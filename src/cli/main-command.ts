/**
 * The `luna` command tree. Nouns are imported lazily so a command loads only its own code (and
 * never MongoDB, Elysia or webtorrent unless it needs them).
 */
import { type CommandDef, defineCommand } from "citty";
import { checkArgs } from "./args.ts";
import type { CliContext } from "./context.ts";

export const VERSION = "0.1.0";

const SUMMARIES: Record<string, string> = {
  cluster: "cluster-wide settings, DHCP and DNS configuration",
  osimage: "OS images: the directory trees nodes boot, and packing them",
  bmcsetup: "BMC (IPMI) credentials and channels for groups",
  network: "IP networks and their address pools",
  switch: "Ethernet switches polled over SNMP to find nodes by port",
  otherdev: "other devices that need names and addresses",
  group: "groups of nodes: image, interfaces, networks and scripts",
  node: "compute nodes: add, change, boot status, power",
  daemon: "the boot server, tracker and seeder (also lweb / ltorrent start|stop|status)",
  "self-install": "set up a head node from this binary (links, folders, unit, iPXE ROMs)",
  version: "print the version",
};

export function createMainCommand(ctx: CliContext): CommandDef {
  return defineCommand({
    meta: {
      // `summaries` is read by help.ts (citty ignores unknown meta keys).
      ...({ summaries: SUMMARIES } as object),
      name: "luna",
      version: VERSION,
      description:
        `luna ${VERSION}: provisions HPC cluster nodes over the network and delivers their OS image by BitTorrent.\n\n` +
        "Global options (anywhere on the line):\n" +
        "  --store sqlite:PATH | mongodb://HOST/DB   where state lives (env LUNA_STORE; default sqlite:/var/lib/luna/luna.db)\n" +
        "  --config FILE                             TOML config file (env LUNA_CONFIG; default /etc/luna/luna.conf)\n" +
        "  --debug                                   print stack traces on errors",
    },
    subCommands: {
      cluster: async () => (await import("./commands/cluster.ts")).createClusterCommand(ctx),
      osimage: async () => (await import("./commands/osimage.ts")).createOsImageCommand(ctx),
      bmcsetup: async () => (await import("./commands/bmcsetup.ts")).createBmcSetupCommand(ctx),
      network: async () => (await import("./commands/network.ts")).createNetworkCommand(ctx),
      switch: async () => (await import("./commands/switch.ts")).createSwitchCommand(ctx),
      otherdev: async () => (await import("./commands/otherdev.ts")).createOtherDevCommand(ctx),
      group: async () => (await import("./commands/group.ts")).createGroupCommand(ctx),
      node: async () => (await import("./commands/node.ts")).createNodeCommand(ctx),
      daemon: async () => (await import("./commands/daemon.ts")).createDaemonCommand(ctx),
      "self-install": async () => (await import("./commands/self-install.ts")).createSelfInstallCommand(ctx),
      version: defineCommand({
        meta: { name: "version", description: "print the version" },
        run: ({ rawArgs }) => {
          checkArgs("version", rawArgs, {});
          ctx.out(VERSION);
        },
      }),
    },
  });
}
