/** `luna bmcsetup add|show|list|change|rename|delete`. */
import type { ArgsDef } from "citty";
import { addBmcSetup, bmcAccessOf, changeBmcSetup, deleteBmcSetup } from "../../domain/bmcsetup.ts";
import { mustGet } from "../../domain/common.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { showTable, table, yesNo } from "../render.ts";
import { commentArg, jsonArg, nothingToChange, noun, pick, renameVerb, verb } from "../verb.ts";

const N = "bmcsetup";
const fields = [
  "user",
  "password",
  "userid",
  "netchannel",
  "mgmtchannel",
  "protocol",
  "insecure",
  "port",
  "cipher",
  "comment",
] as const;
const flagArgs = {
  user: { type: "string", alias: ["u"], description: "BMC user (default ladmin)" },
  password: { type: "string", alias: ["p"], description: "BMC password (default ladmin)" },
  userid: { type: "string", alias: ["I"], description: "IPMI user id (default 3)" },
  netchannel: { type: "string", alias: ["N"], description: "IPMI LAN channel (default 1)" },
  mgmtchannel: { type: "string", alias: ["M"], description: "IPMI management channel (default 1)" },
  protocol: {
    type: "string",
    description: "ipmi|redfish: how 'luna node power' reaches the BMC (default ipmi)",
  },
  insecure: { type: "string", description: "y|n: Redfish accepts a self-signed BMC certificate (default n)" },
  port: { type: "string", description: "BMC port (default 0 = 623 for IPMI, 443 for Redfish)" },
  cipher: {
    type: "string",
    description: "IPMI cipher suite for ipmitool -C, e.g. 3 or 17 (default auto: ipmitool probes the BMC)",
  },
  ...commentArg,
} satisfies ArgsDef;

export function createBmcSetupCommand(ctx: CliContext) {
  return noun(N, "BMC (IPMI) credentials and channels for groups", {
    add: () =>
      verb({
        noun: N,
        name: "add",
        description: "add a BMC setup",
        args: { ...nameArgs(N), ...flagArgs },
        run: async (a) => {
          await ctx.write((tx) => addBmcSetup(tx, nameOf(N, a), pick(a, fields)));
        },
      }),
    list: () =>
      verb({
        noun: N,
        name: "list",
        description: "list BMC setups",
        args: { ...jsonArg },
        async run(a) {
          const all = await (await ctx.store()).list(N);
          if (a.json) return ctx.json(all.map(({ id: _id, ...rest }) => rest));
          ctx.out(
            table(
              ["Name", "User", "Password"],
              all.map((b) => [b.name, b.user, b.password]),
            ),
          );
        },
      }),
    show: () =>
      verb({
        noun: N,
        name: "show",
        description: "show a BMC setup",
        args: { ...nameArgs(N), ...jsonArg },
        async run(a) {
          const doc = await mustGet(await ctx.store(), N, nameOf(N, a));
          const access = bmcAccessOf(doc);
          const { id: _id, ...b } = {
            ...doc,
            ...access,
            port: doc.port,
            cipher: access.cipher ?? "auto",
          };
          if (a.json) return ctx.json(b);
          ctx.out(
            showTable(
              Object.fromEntries(
                Object.entries(b).map(([k, v]) => [k, typeof v === "boolean" ? yesNo(v) : String(v)]),
              ),
            ),
          );
        },
      }),
    change: () =>
      verb({
        noun: N,
        name: "change",
        description: "change a BMC setup",
        args: { ...nameArgs(N), ...flagArgs },
        async run(a) {
          const values = pick(a, fields);
          if (Object.keys(values).length === 0) nothingToChange(N);
          await ctx.write((tx) => changeBmcSetup(tx, nameOf(N, a), values));
        },
      }),
    rename: renameVerb(ctx, N, "rename a BMC setup"),
    delete: () =>
      verb({
        noun: N,
        name: "delete",
        description: "delete a BMC setup no group uses",
        args: { ...nameArgs(N) },
        run: async (a) => ctx.write((tx) => deleteBmcSetup(tx, nameOf(N, a))),
      }),
  });
}
