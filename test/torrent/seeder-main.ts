/**
 * A tiny program around the seeder, compiled with `bun build --compile` by
 * seeder-binary.test.ts to prove the seeder works inside a compiled binary (no node_modules):
 * `seeder <sqlite store> <host>` prints `READY <peer json>` once it seeds, and stops cleanly
 * on SIGTERM.
 */
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { createSeeder } from "../../src/torrent/seeder.ts";

const [dbPath = "", host = "127.0.0.1"] = process.argv.slice(2);
const store = openSqliteStore(dbPath);
const log = {
  info: (m: string, f?: object) => console.error(`info: ${m} ${JSON.stringify(f ?? {})}`),
  warn: (m: string, f?: object) => console.error(`warn: ${m} ${JSON.stringify(f ?? {})}`),
  error: (m: string, f?: object) => console.error(`error: ${m} ${JSON.stringify(f ?? {})}`),
};
const seeder = createSeeder({ store, host, port: 0, rescanMs: 200, log });
await seeder.start(() => {});
console.log(`READY ${JSON.stringify({ peer: seeder.peer(), stats: seeder.stats() })}`);
process.on("SIGTERM", async () => {
  await seeder.stop();
  await store.close();
  process.exit(0);
});
