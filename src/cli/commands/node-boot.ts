/** `luna node status`, `luna node unknown` and `luna node script`: what booting nodes did and asked. */
import { adoptUnknown } from "../../domain/boot/adopt.ts";
import { loadBootData } from "../../domain/boot/boot-data.ts";
import { renderInstallScript } from "../../domain/boot/install-script.ts";
import { renderNodeBoot } from "../../domain/boot/ipxe.ts";
import { mustGet } from "../../domain/common.ts";
import { AppError } from "../../domain/errors.ts";
import { expandHostlist } from "../../domain/net/hostlist.ts";
import { nameArgs, nameOf } from "../args.ts";
import type { CliContext } from "../context.ts";
import { age, table } from "../render.ts";
import { jsonArg, verb } from "../verb.ts";
import { loadStatusRows, parseInterval, watchStatus } from "./node-watch.ts";

/** The iPXE boot script or the install script the daemon would serve to a node. */
export async function printScript(ctx: CliContext, name: string, type: string): Promise<void> {
  const store = await ctx.store();
  const data = await loadBootData(store, await mustGet(store, "node", name));
  if (type === "boot") return ctx.out(renderNodeBoot(data).trimEnd());
  if (type !== "install")
    throw new AppError("INVALID_ARGUMENT", `Unknown script type '${type}'`, "Use boot or install");
  ctx.out(renderInstallScript(data).trimEnd());
}

export const nodeBootVerbs = (ctx: CliContext) => ({
  status: () =>
    verb({
      noun: "node",
      name: "status",
      description:
        "show the stages of each node's latest boot with their age (all nodes without a hostlist); -w redraws every second",
      args: {
        ...nameArgs("node"),
        ...jsonArg,
        watch: {
          type: "boolean",
          alias: ["w"],
          description:
            "watch: redraw in place with download %, peers and a summary until Ctrl-C; when not a terminal, print changes as timestamped lines; with --json one JSON object per line per round",
        },
        interval: {
          type: "string",
          description: "with --watch: seconds between rounds (0.2-3600, default 1)",
        },
      },
      async run(a) {
        const list = a.name ?? a.target;
        if (a.interval !== undefined && !a.watch)
          throw new AppError(
            "INVALID_ARGUMENT",
            "Option '--interval' goes with --watch",
            "luna node status -w --interval 2",
          );
        if (a.watch) {
          const interval = parseInterval(a.interval);
          return watchStatus(ctx, {
            names: list ? expandHostlist(list) : undefined,
            interval,
            json: a.json === true,
          });
        }
        const store = await ctx.store();
        const nodes = list
          ? await Promise.all(expandHostlist(list).map((n) => mustGet(store, "node", n)))
          : await store.list("node");
        const now = ctx.now();
        const runs = await loadStatusRows(store, nodes, now);
        if (a.json) return ctx.json(runs);
        ctx.out(
          table(
            ["Name", "Status", "Age", "Stages"],
            runs.map((r) => [
              r.name,
              r.download ? `${r.status?.step} ${r.download.percent.toFixed(0)}%` : (r.status?.step ?? "-"),
              r.status ? age(r.status.time, now) : "-",
              r.stages.map((s) => `${s.step} ${new Date(s.time).toISOString().slice(11, 19)}`).join("\n") ||
                "-",
            ]),
          ),
        );
      },
    }),
  unknown: () =>
    verb({
      noun: "node",
      name: "unknown",
      description:
        "list hardware that asked to boot and matched no node; --adopt MAC with -n NODE or -g GROUP gives it a node (--delete MAC, --clear forget)",
      args: {
        ...jsonArg,
        adopt: {
          type: "string",
          description: "bind this unknown MAC to -n NODE, or to a new node of -g GROUP",
        },
        name: { type: "string", alias: ["n"], description: "with --adopt: the node to bind the MAC to" },
        group: { type: "string", alias: ["g"], description: "with --adopt: make a new node in this group" },
        delete: { type: "string", description: "forget the entry with this MAC" },
        clear: { type: "boolean", description: "forget every entry" },
      },
      async run(a) {
        if (typeof a.adopt === "string") {
          const input = {
            mac: a.adopt,
            ...(typeof a.name === "string" ? { node: a.name } : {}),
            ...(typeof a.group === "string" ? { group: a.group } : {}),
          };
          const node = await ctx.write((tx) => adoptUnknown(tx, input));
          return ctx.out(`${node.name} has MAC ${node.mac}${node.port ? ` (switch port ${node.port})` : ""}`);
        }
        if (a.name !== undefined || a.group !== undefined) {
          throw new AppError(
            "INVALID_ARGUMENT",
            "-n and -g go with --adopt MAC",
            "luna node unknown --adopt MAC -n NODE",
          );
        }
        if (typeof a.delete === "string" || a.clear) {
          const mac = typeof a.delete === "string" ? a.delete.toLowerCase() : undefined;
          const removed = await ctx.write(async (tx) => {
            const all = await tx.list("unknown");
            const gone = mac ? all.filter((u) => u.macs.includes(mac)) : all;
            if (mac && gone.length === 0) throw new AppError("NOT_FOUND", `No unknown node with MAC ${mac}`);
            for (const u of gone) await tx.remove("unknown", u.id);
            return gone.length;
          });
          return ctx.out(`removed ${removed}`);
        }
        const store = await ctx.store();
        const all = await store.list("unknown");
        const switches = new Map((await store.list("switch")).map((w) => [w.id, w.name]));
        if (a.json) {
          return ctx.json(
            all.map(({ id: _id, name: _n, ...u }) => ({
              ...u,
              switch: u.switch ? (switches.get(u.switch) ?? null) : null,
            })),
          );
        }
        const now = ctx.now();
        ctx.out(
          table(
            ["MACs", "Serial", "IP", "Switch port", "First seen", "Last seen", "Requests", "Asked"],
            all.map((u) => [
              u.macs.join("\n"),
              u.serial || "-",
              u.ip || "-",
              u.port ? `${switches.get(u.switch ?? "") ?? "?"}:${u.port}` : "-",
              `${age(u.first, now)} ago`,
              `${age(u.last, now)} ago`,
              String(u.count),
              u.asked ?? "-",
            ]),
          ),
        );
      },
    }),
  script: () =>
    verb({
      noun: "node",
      name: "script",
      description: "print the iPXE boot script or the install script the daemon serves to a node",
      args: {
        ...nameArgs("node"),
        type: { type: "string", alias: ["s"], description: "boot or install (default install)" },
      },
      run: (a) => printScript(ctx, nameOf("node", a), a.type ?? "install"),
    }),
});
