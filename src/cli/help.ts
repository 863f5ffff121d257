/**
 * `--help` text, plain (no colours, so it reads the same in a terminal, a pipe or a log):
 * usage line, description, sub-commands or options with their short forms and defaults.
 */
import type { ArgsDef, CommandDef } from "citty";

const resolve = async <T>(v: T | (() => T | Promise<T>) | Promise<T> | undefined): Promise<T | undefined> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;

export async function renderHelp(cmd: CommandDef, path: string[]): Promise<string> {
  const meta = (await resolve(cmd.meta)) ?? {};
  const args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const subs = (await resolve(cmd.subCommands)) as
    | Record<string, CommandDef | (() => Promise<CommandDef>)>
    | undefined;
  const full = ["luna", ...path].join(" ");
  const lines: string[] = [];
  if (subs && Object.keys(subs).length > 0) {
    lines.push(`Usage: ${full} <command> [options]`, "");
    if (meta.description) lines.push(meta.description, "");
    lines.push("Commands:");
    const rows: [string, string][] = [];
    // Top-level summaries are static so `luna --help` does not load every command's code.
    const summaries = (meta as { summaries?: Record<string, string> }).summaries;
    for (const [name, sub] of Object.entries(subs)) {
      const summary = summaries?.[name];
      const def = summary === undefined ? await resolve(sub as CommandDef) : undefined;
      const m = def ? await resolve(def.meta) : undefined;
      rows.push([name, summary ?? m?.description ?? ""]);
    }
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [n, d] of rows) lines.push(`  ${n.padEnd(w)}  ${d}`);
    lines.push("", `Run '${full} <command> --help' for the options of a command.`);
    return lines.join("\n");
  }
  const positionals = Object.entries(args).filter(([, a]) => a.type === "positional");
  const options = Object.entries(args).filter(([, a]) => a.type !== "positional");
  const usage = [
    full,
    ...positionals.map(([n]) => `[${n === "target" ? "NAME" : n.toUpperCase()}]`),
    options.length ? "[options]" : "",
  ];
  lines.push(`Usage: ${usage.filter(Boolean).join(" ")}`, "");
  if (meta.description) lines.push(meta.description, "");
  if (options.length > 0) {
    lines.push("Options:");
    const rows = options.map(([name, a]) => {
      const aliases = "alias" in a && a.alias ? (Array.isArray(a.alias) ? a.alias : [a.alias]) : [];
      const flags = [...aliases.map((x) => (x.length === 1 ? `-${x}` : `--${x}`)), `--${name}`].join(", ");
      const value = a.type === "boolean" ? "" : " VALUE";
      const required = "required" in a && a.required ? " (required)" : "";
      return [`${flags}${value}`, `${a.description ?? ""}${required}`] as const;
    });
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [f, d] of rows) lines.push(`  ${f.padEnd(w)}  ${d}`);
  }
  return lines.join("\n");
}
