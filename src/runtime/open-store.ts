/**
 * Opens the configured store. The MongoDB driver is imported only when a mongodb:// store is
 * chosen, so commands on the SQLite default never pay for loading it.
 */
import type { StoreSpec } from "../config/config.ts";
import type { Store } from "../domain/store.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";

export async function openStore(spec: StoreSpec): Promise<Store> {
  if (spec.kind === "sqlite") return openSqliteStore(spec.path);
  const { openMongoStore } = await import("../store/mongo/mongo-store.ts");
  return openMongoStore(spec.url);
}
