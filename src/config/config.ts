/**
 * Luna's configuration: one schema with defaults, layered file < environment < flags. The file
 * is TOML (`/etc/luna/luna.conf`, or the path in LUNA_CONFIG); a missing default file is fine,
 * a missing file that was asked for by name is an error. Config is passed as an argument,
 * never kept in a module-level singleton.
 */
import { existsSync, readFileSync } from "node:fs";
import { AppError } from "../domain/errors.ts";
import type { Config } from "./config-schema.ts";

export const DEFAULT_CONFIG_FILE = "/etc/luna/luna.conf";
export const DEFAULT_STORE = "sqlite:/var/lib/luna/luna.db";

export type { Config } from "./config-schema.ts";

export type StoreSpec = { kind: "sqlite"; path: string } | { kind: "mongodb"; url: string };

export interface ConfigSources {
  flags: { store?: string; config?: string };
  env: Record<string, string | undefined>;
}

const DEFAULTS: Config = {
  store: DEFAULT_STORE,
  daemon: {
    host: "0.0.0.0",
    port: 7050,
    pidfile: "/run/luna/luna.pid",
    logfile: "/var/log/luna/luna.log",
    seeder: "luna",
  },
  snmp: { enabled: true, interval: 30, max_macs_per_port: 4, timeout: 2, retries: 1, keep_intervals: 10 },
  admin: { enabled: true, host: "127.0.0.1", port: 7051, link_mbit: 0 },
  tftp: { enabled: false, host: "0.0.0.0", port: 69, root: "/srv/tftp", max_sessions: 64 },
};

export async function loadConfig({ flags, env }: ConfigSources): Promise<Config> {
  const named = flags.config ?? env.LUNA_CONFIG;
  const file = named ?? DEFAULT_CONFIG_FILE;
  let fromFile: unknown = {};
  if (existsSync(file)) {
    try {
      fromFile = Bun.TOML.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new AppError(
        "CONFIG_INVALID",
        `Cannot parse config file '${file}': ${(e as Error).message}`,
        'It is TOML: store = "sqlite:/var/lib/luna/luna.db"',
      );
    }
  } else if (named) {
    throw new AppError(
      "CONFIG_INVALID",
      `Config file '${file}' does not exist`,
      "Fix LUNA_CONFIG / --config, or unset it",
    );
  }
  let merged: Config = structuredClone(DEFAULTS);
  if (existsSync(file)) {
    // TypeBox's Value module costs ~10 ms of start-up, so it loads only when a file is there to check.
    const [{ Value }, { ConfigSchema }] = await Promise.all([
      import("@sinclair/typebox/value"),
      import("./config-schema.ts"),
    ]);
    merged = Value.Default(ConfigSchema, structuredClone(fromFile)) as Config;
    if (!Value.Check(ConfigSchema, merged)) {
      const first = [...Value.Errors(ConfigSchema, merged)][0];
      // A choice of words (daemon.seeder): say which words, not only "Expected union value".
      const words = ((first?.schema.anyOf ?? []) as { const?: unknown }[]).map((x) => x.const);
      const choices = words.length > 0 && words.every((w) => typeof w === "string") ? words : [];
      throw new AppError(
        "CONFIG_INVALID",
        `Invalid config file '${file}': ${first?.path || "/"} ${first?.message ?? ""}`.trim(),
        choices.length > 0 ? `Use one of: ${choices.join(", ")}` : undefined,
      );
    }
  }
  if (env.LUNA_STORE) merged.store = env.LUNA_STORE;
  if (env.LUNA_SEEDER !== undefined) {
    if (!["luna", "luna-plain", "aria2c"].includes(env.LUNA_SEEDER))
      throw new AppError(
        "CONFIG_INVALID",
        `Invalid LUNA_SEEDER '${env.LUNA_SEEDER}'`,
        "Use luna (super-seeding, the default), luna-plain or aria2c",
      );
    merged.daemon.seeder = env.LUNA_SEEDER as Config["daemon"]["seeder"];
  }
  if (flags.store) merged.store = flags.store;
  return merged;
}

export function parseStoreSpec(text: string): StoreSpec {
  if (text.startsWith("mongodb://") || text.startsWith("mongodb+srv://"))
    return { kind: "mongodb", url: text };
  const path = text.startsWith("sqlite:") ? text.slice("sqlite:".length) : text;
  // "sqllite:/x.db" or "postgres:x" is a typo or an unsupported kind, not a relative file name.
  if (path === "" || text.includes("://") || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) {
    throw new AppError(
      "CONFIG_INVALID",
      `Invalid store '${text}'`,
      "Use sqlite:/path/to/luna.db or mongodb://host/luna",
    );
  }
  return { kind: "sqlite", path };
}
