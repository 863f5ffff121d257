/**
 * `luna node console NODE`: the node's serial console through its BMC (IPMI Serial-over-LAN,
 * see src/power/console.ts), on this terminal until the escape sequence (~. by default) or
 * the end of input. Exits with ipmitool's status.
 */
import { AppError } from "../../domain/errors.ts";
import { loadSnapshot } from "../../domain/netsvc/netdata.ts";
import { consoleTarget } from "../../domain/netsvc/power.ts";
import { consoleEndpoint, runSol } from "../../power/console.ts";
import { nameArgs, nameOf, opt } from "../args.ts";
import type { CliContext } from "../context.ts";
import { verb } from "../verb.ts";

export const nodeConsoleVerbs = (ctx: CliContext) => ({
  console: () =>
    verb({
      noun: "node",
      name: "console",
      description: "serial console of a node through its BMC (IPMI Serial-over-LAN); ~. ends it",
      args: {
        ...nameArgs("node"),
        interface: {
          type: "string",
          alias: ["i"],
          description: "interface holding the BMC address (default BMC)",
        },
        log: { type: "string", description: "also append what the console prints to this file" },
        escape: { type: "string", alias: ["e"], description: "escape character instead of ~ (ipmitool -e)" },
      },
      async run(a) {
        const name = nameOf("node", a);
        const escapeChar = opt(a.escape);
        if (escapeChar !== undefined && [...escapeChar].length !== 1)
          throw new AppError(
            "INVALID_ARGUMENT",
            `Invalid --escape '${escapeChar}'`,
            "Give one character, e.g. --escape '^'",
          );
        const snap = await loadSnapshot(await ctx.store());
        const bmc = await consoleEndpoint(consoleTarget(snap, name, opt(a.interface)), 20_000);
        process.exitCode = await runSol(bmc, { escapeChar, log: opt(a.log) });
      },
    }),
});
