/** `luna self-install`: set up a head node from this binary (see src/runtime/self-install.ts). */
import { AppError } from "../../domain/errors.ts";
import { selfCommand } from "../../runtime/control.ts";
import { selfInstall } from "../../runtime/self-install.ts";
import type { CliContext } from "../context.ts";
import { verb } from "../verb.ts";

export const createSelfInstallCommand = (ctx: CliContext) =>
  verb({
    noun: "",
    name: "self-install",
    description: "install this binary on a head node: links, folders, luna user, systemd unit, iPXE ROMs",
    args: {
      destdir: {
        type: "string",
        description:
          "install under this folder (packaging, tests); the luna user is created only when it has etc/passwd",
      },
      prefix: { type: "string", description: "prefix of the binary (default /usr/local)" },
      tftproot: { type: "string", description: "TFTP root for the iPXE ROMs (default /srv/tftp)" },
      "ipxe-dir": {
        type: "string",
        description: "where Debian's ipxe package keeps its ROMs (default /usr/lib/ipxe)",
      },
      "ipxe-arm64": {
        type: "string",
        description: "an arm64 iPXE EFI binary you built, for arm64 UEFI nodes (Debian's ipxe has none)",
      },
    },
    async run(a) {
      const [binary, ...rest] = selfCommand();
      if (binary === undefined || rest.length > 0)
        throw new AppError(
          "INVALID_ARGUMENT",
          "self-install works from the compiled binary",
          "Build it with 'bun run build' and run dist/luna self-install",
        );
      const { warnings } = selfInstall({
        binary,
        destdir: a.destdir ?? "",
        prefix: a.prefix ?? "/usr/local",
        tftproot: a.tftproot ?? "/srv/tftp",
        ipxeDir: a["ipxe-dir"] ?? "/usr/lib/ipxe",
        ipxeArm64: a["ipxe-arm64"],
        log: (line) => ctx.out(line),
      });
      for (const w of warnings) process.stderr.write(`luna: warning: ${w}\n`);
      // The daemon reads the frontend address when it starts: set the cluster up first.
      ctx.out(
        "Next: luna cluster init --frontend_address <head node's cluster IP> (and the rest of the set-up), " +
          "then systemctl daemon-reload && systemctl enable --now luna",
      );
    },
  });
