/**
 * `luna node power <hostlist> <action>` (and `lpower <hostlist> <action>`, the original's tool,
 * through the symlink): one line per node as its BMC answers, a summary, and exit code 6 when
 * any node failed, each failure with its own line on stderr.
 */
import { AppError } from "../../domain/errors.ts";
import { expandHostlist } from "../../domain/net/hostlist.ts";
import { loadSnapshot } from "../../domain/netsvc/netdata.ts";
import { POWER_ACTIONS, parsePowerAction, powerTargets } from "../../domain/netsvc/power.ts";
import { createIpmitoolBackend } from "../../power/ipmitool.ts";
import { createRedfishBackend } from "../../power/redfish.ts";
import { runPower } from "../../power/run.ts";
import { opt } from "../args.ts";
import type { CliContext } from "../context.ts";
import { jsonArg, verb } from "../verb.ts";

const number = (flag: string, value: unknown, fallback: number, min: number, max: number): number => {
  const text = opt(value);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid value '${text}' for --${flag}`,
      `Use a number in ${min}..${max}`,
    );
  }
  return n;
};

export const nodePowerVerbs = (ctx: CliContext) => ({
  power: () =>
    verb({
      noun: "node",
      name: "power",
      description: `power control through each node's BMC (IPMI or Redfish): ${POWER_ACTIONS.join("|")}`,
      args: {
        target: { type: "positional", required: false, description: "nodes, e.g. node[001-036]" },
        action: { type: "positional", required: false, description: POWER_ACTIONS.join("|") },
        group: { type: "string", alias: ["g"], description: "every node of these groups (comma-separated)" },
        interface: {
          type: "string",
          alias: ["i"],
          description: "interface holding the BMC address (default BMC)",
        },
        concurrency: { type: "string", alias: ["c"], description: "BMCs talked to at once (default 32)" },
        batch: {
          type: "string",
          description: "on/cycle/reset: nodes per batch (default 32, 0 = all at once)",
        },
        delay: { type: "string", description: "on/cycle/reset: seconds between batches (default 2)" },
        timeout: { type: "string", description: "seconds to wait for each BMC (default 20)" },
        ...jsonArg,
      },
      async run(a) {
        let list = opt(a.target);
        let actionText = opt(a.action);
        // `lpower -g compute on`: the only positional is the action.
        if (actionText === undefined && opt(a.group) !== undefined) [list, actionText] = [undefined, list];
        const action = parsePowerAction(actionText);
        const snap = await loadSnapshot(await ctx.store());
        const names = list ? expandHostlist(list) : [];
        for (const g of (opt(a.group) ?? "").split(",").filter(Boolean)) {
          const group = snap.groups.find((x) => x.name === g);
          if (!group) throw new AppError("NOT_FOUND", `No group named '${g}'`, "See 'luna group list'");
          for (const n of snap.nodes) if (n.group === group.id && !names.includes(n.name)) names.push(n.name);
        }
        if (names.length === 0) {
          throw new AppError(
            "INVALID_ARGUMENT",
            "Which nodes?",
            "luna node power node[001-004] status, or -g GROUP",
          );
        }
        const started = performance.now();
        const results = await runPower(powerTargets(snap, names, opt(a.interface)), {
          action,
          concurrency: number("concurrency", a.concurrency, 32, 1, 1024),
          batchSize: number("batch", a.batch, 32, 0, 1_000_000),
          batchDelayMs: number("delay", a.delay, 2, 0, 3600) * 1000,
          timeoutMs: number("timeout", a.timeout, 20, 1, 3600) * 1000,
          backends: { ipmi: createIpmitoolBackend(), redfish: createRedfishBackend() },
          onResult: a.json
            ? undefined
            : (r) => {
                if (r.ok) ctx.out(`${r.node}: ${r.state}`);
                else process.stderr.write(`luna: ${r.node}: ${r.error}\n`);
              },
        });
        const failed = results.filter((r) => !r.ok).length;
        if (failed > 0) process.exitCode = 6;
        if (a.json) return ctx.json({ action, ok: results.length - failed, failed, results });
        if (results.length > 1) {
          const secs = ((performance.now() - started) / 1000).toFixed(1);
          ctx.out(
            `${action}: ${results.length - failed} ok, ${failed} failed (${results.length} nodes, ${secs} s)`,
          );
        }
      },
    }),
});
