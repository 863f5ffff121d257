/**
 * Configuration layering (src/config/config.ts): defaults < TOML file < environment < flags,
 * with clear errors for a named file that is missing or invalid, and the store spec parser.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG_FILE, DEFAULT_STORE, loadConfig, parseStoreSpec } from "../../src/config/config.ts";
import { AppError } from "../../src/domain/errors.ts";

const root = mkdtempSync(join(tmpdir(), "luna-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
const toml = (text: string): string => {
  const path = join(root, `luna-${++files}.conf`);
  writeFileSync(path, text);
  return path;
};

const DAEMON_DEFAULTS = {
  host: "0.0.0.0",
  port: 7050,
  pidfile: "/run/luna/luna.pid",
  logfile: "/var/log/luna/luna.log",
  seeder: "luna" as const,
};
const SNMP_DEFAULTS = {
  enabled: true,
  interval: 30,
  max_macs_per_port: 4,
  timeout: 2,
  retries: 1,
  keep_intervals: 10,
};
const ADMIN_DEFAULTS = { enabled: true, host: "127.0.0.1", port: 7051, link_mbit: 0 };
const TFTP_DEFAULTS = { enabled: false, host: "0.0.0.0", port: 69, root: "/srv/tftp", max_sessions: 64 };

async function configError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe("CONFIG_INVALID");
  return e as AppError;
}

describe("loadConfig", () => {
  test.skipIf(existsSync(DEFAULT_CONFIG_FILE))(
    "loadConfig gives the defaults when no file, environment or flag is set",
    async () => {
      expect(await loadConfig({ flags: {}, env: {} })).toEqual({
        store: DEFAULT_STORE,
        daemon: DAEMON_DEFAULTS,
        snmp: SNMP_DEFAULTS,
        admin: ADMIN_DEFAULTS,
        tftp: TFTP_DEFAULTS,
      });
    },
  );

  test("loadConfig fills every key a file leaves out with its default", async () => {
    const file = toml("");
    expect(await loadConfig({ flags: { config: file }, env: {} })).toEqual({
      store: DEFAULT_STORE,
      daemon: DAEMON_DEFAULTS,
      snmp: SNMP_DEFAULTS,
      admin: ADMIN_DEFAULTS,
      tftp: TFTP_DEFAULTS,
    });
  });

  test("loadConfig lets the file beat the defaults, key by key", async () => {
    const file = toml('store = "sqlite:/srv/luna.db"\n[daemon]\nport = 8000\nhost = "10.30.255.254"\n');
    expect(await loadConfig({ flags: { config: file }, env: {} })).toEqual({
      store: "sqlite:/srv/luna.db",
      daemon: { ...DAEMON_DEFAULTS, port: 8000, host: "10.30.255.254" },
      snmp: SNMP_DEFAULTS,
      admin: ADMIN_DEFAULTS,
      tftp: TFTP_DEFAULTS,
    });
  });

  test("loadConfig reads the switch poller's [snmp] section, key by key", async () => {
    const file = toml("[snmp]\ninterval = 60\ntimeout = 0.5\nenabled = false\n");
    expect((await loadConfig({ flags: { config: file }, env: {} })).snmp).toEqual({
      ...SNMP_DEFAULTS,
      interval: 60,
      timeout: 0.5,
      enabled: false,
    });
  });

  test("loadConfig lets LUNA_STORE beat the file", async () => {
    const file = toml('store = "sqlite:/srv/luna.db"\n');
    const c = await loadConfig({ flags: { config: file }, env: { LUNA_STORE: "sqlite:/env.db" } });
    expect(c.store).toBe("sqlite:/env.db");
  });

  test("loadConfig lets the --store flag beat LUNA_STORE and the file", async () => {
    const file = toml('store = "sqlite:/srv/luna.db"\n');
    const c = await loadConfig({
      flags: { config: file, store: "mongodb://db/luna" },
      env: { LUNA_STORE: "sqlite:/env.db" },
    });
    expect(c.store).toBe("mongodb://db/luna");
  });

  test("loadConfig ignores an empty LUNA_STORE", async () => {
    const file = toml('store = "sqlite:/srv/luna.db"\n');
    const c = await loadConfig({ flags: { config: file }, env: { LUNA_STORE: "" } });
    expect(c.store).toBe("sqlite:/srv/luna.db");
  });

  test("loadConfig reads the file named by LUNA_CONFIG", async () => {
    const file = toml('store = "sqlite:/from-env-file.db"\n');
    const c = await loadConfig({ flags: {}, env: { LUNA_CONFIG: file } });
    expect(c.store).toBe("sqlite:/from-env-file.db");
  });

  test("loadConfig lets the --config flag beat LUNA_CONFIG", async () => {
    const flagFile = toml('store = "sqlite:/from-flag-file.db"\n');
    const envFile = toml('store = "sqlite:/from-env-file.db"\n');
    const c = await loadConfig({ flags: { config: flagFile }, env: { LUNA_CONFIG: envFile } });
    expect(c.store).toBe("sqlite:/from-flag-file.db");
  });

  test("loadConfig refuses a named config file that does not exist", async () => {
    const missing = join(root, "nope.conf");
    const viaFlag = await configError(loadConfig({ flags: { config: missing }, env: {} }));
    expect(viaFlag.message).toContain(missing);
    const viaEnv = await configError(loadConfig({ flags: {}, env: { LUNA_CONFIG: missing } }));
    expect(viaEnv.message).toContain(missing);
  });

  test("loadConfig refuses a file that is not TOML, naming the file", async () => {
    const file = toml('store = "sqlite:/x.db\n[daemon\n');
    const e = await configError(loadConfig({ flags: { config: file }, env: {} }));
    expect(e.message).toContain("Cannot parse");
    expect(e.message).toContain(file);
  });

  test("loadConfig refuses unknown keys and values of the wrong type or range", async () => {
    for (const text of [
      "colour = 1\n",
      "store = 5\n",
      "[daemon]\nport = 70000\n",
      '[daemon]\nport = "7050"\n',
      "[daemon]\nthreads = 4\n",
      "[snmp]\ninterval = 0\n",
      "[snmp]\ntimeout = 0\n",
      "[snmp]\nmax_macs_per_port = 1.5\n",
      '[snmp]\ncommunity = "public"\n',
    ]) {
      const file = toml(text);
      const e = await configError(loadConfig({ flags: { config: file }, env: {} }));
      expect(e.message).toContain(`Invalid config file '${file}'`);
    }
  });

  test("a word outside a choice (daemon.seeder) is refused with the words to use", async () => {
    const file = toml('[daemon]\nseeder = "fast"\n');
    const e = await configError(loadConfig({ flags: { config: file }, env: {} }));
    expect(e.message).toContain(`Invalid config file '${file}': /daemon/seeder`);
    expect(e.hint).toBe("Use one of: luna, luna-plain, aria2c");
  });

  test("loadConfig still refuses an invalid file when flags and environment override it", async () => {
    const file = toml("[daemon]\nport = -1\n");
    await configError(
      loadConfig({ flags: { config: file, store: "sqlite:/x.db" }, env: { LUNA_STORE: "sqlite:/y.db" } }),
    );
  });

  test("loadConfig returns a fresh object each time", async () => {
    const file = toml("");
    const a = await loadConfig({ flags: { config: file }, env: {} });
    a.daemon.port = 1;
    const b = await loadConfig({ flags: { config: file }, env: {} });
    expect(b.daemon.port).toBe(7050);
  });
});

describe("parseStoreSpec", () => {
  test("parseStoreSpec reads sqlite: paths and bare paths as SQLite", () => {
    expect(parseStoreSpec("sqlite:/var/lib/luna/luna.db")).toEqual({
      kind: "sqlite",
      path: "/var/lib/luna/luna.db",
    });
    expect(parseStoreSpec("/tmp/luna.db")).toEqual({ kind: "sqlite", path: "/tmp/luna.db" });
    expect(parseStoreSpec("sqlite:luna.db")).toEqual({ kind: "sqlite", path: "luna.db" });
  });

  test("parseStoreSpec reads mongodb:// and mongodb+srv:// URLs as MongoDB", () => {
    expect(parseStoreSpec("mongodb://db1:27017,db2/luna?replicaSet=rs0")).toEqual({
      kind: "mongodb",
      url: "mongodb://db1:27017,db2/luna?replicaSet=rs0",
    });
    expect(parseStoreSpec("mongodb+srv://cluster0.example.net/luna")).toEqual({
      kind: "mongodb",
      url: "mongodb+srv://cluster0.example.net/luna",
    });
  });

  test("parseStoreSpec refuses empty paths and other URL schemes", () => {
    for (const bad of [
      "",
      "sqlite:",
      "http://db/luna",
      "sqlite://tmp/luna.db",
      "postgres://db/luna",
      "sqllite:/tmp/luna.db",
      "bogus:xx",
      "sqlite:mongodb:x",
    ]) {
      let caught: unknown;
      try {
        parseStoreSpec(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe("CONFIG_INVALID");
      expect((caught as AppError).hint).toContain("sqlite:");
    }
  });
});
