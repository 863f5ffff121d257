/**
 * The MongoDB store (official driver), for several head nodes sharing one state. It owns the
 * layout (one collection per kind holding `{_id: id, name, doc}` with a unique index on name,
 * `doc` being the document exactly as inserted), the transaction discipline and the mapping of
 * driver errors to AppErrors. Every `write` is one session transaction (snapshot reads,
 * majority writes) run by `withTransaction`, which retries the callback on transient write
 * conflicts with other head nodes. Transactions exist only on replica sets (a single member is
 * enough) and mongos, so a standalone server is refused on open rather than silently losing
 * atomicity (https://www.mongodb.com/docs/manual/core/transactions/). This is the only module
 * that imports `mongodb`; the CLI loads it lazily.
 */
import {
  type ClientSession,
  type Collection,
  type Db,
  MongoClient,
  type MongoClientOptions,
  MongoServerError,
  type TransactionOptions,
} from "mongodb";
import { readDocument } from "../../domain/documents.ts";
import { AppError } from "../../domain/errors.ts";
import { KINDS, type Kind } from "../../domain/model.ts";
import type { Store, StoreReader, StoreWriter } from "../../domain/store.ts";

interface Stored {
  _id: string;
  name: string;
  doc: unknown;
}
type Collections = (kind: Kind) => Collection<Stored>;

const DEFAULT_DATABASE = "luna";
const DEFAULT_SERVER_SELECTION_MS = 5000;
const TRANSACTION: TransactionOptions = {
  readConcern: { level: "snapshot" },
  writeConcern: { w: "majority" },
};
const STORE_HINT =
  "Check that mongod runs and is reachable, and the URL mongodb://[user:password@]host[:port]/database; " +
  "or choose another store with --store sqlite:PATH";
const REPLICA_SET_HINT =
  "Start mongod with --replSet rs0 and run rs.initiate() once in mongosh (a single member is enough), " +
  "or choose another store with --store sqlite:PATH";

/** Hides the password in `mongodb://user:password@host/...`. */
export function maskUrl(url: string): string {
  return url.replace(/^([^:/?#]+:\/\/)([^/?#]*)@/, (_, scheme: string, info: string) => {
    const colon = info.indexOf(":");
    return colon < 0 ? `${scheme}${info}@` : `${scheme}${info.slice(0, colon)}:***@`;
  });
}

/** The database named by the URL's path, or "luna" (the driver's own default would be "test"). */
function databaseName(url: string): string {
  const path = /^[^:/?#]+:\/\/[^/?#]*\/([^?#]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : DEFAULT_DATABASE;
}

function clientOptions(url: string): MongoClientOptions {
  // Options given here override the URL's, so the default timeout is set only when the URL
  // has none; majority concerns are not negotiable, they are what makes writes durable.
  const query = new URLSearchParams(url.split("?")[1]?.split("#")[0] ?? "");
  const hasTimeout = [...query.keys()].some((k) => k.toLowerCase() === "serverselectiontimeoutms");
  return {
    appName: "luna",
    ignoreUndefined: true, // as JSON.stringify does, so optional fields round-trip like SQLite
    readConcern: { level: "majority" },
    writeConcern: { w: "majority" },
    ...(hasTimeout ? {} : { serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_MS }),
  };
}

function openError(url: string, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const masked = maskUrl(url);
  const detail = (e instanceof Error ? e.message : String(e)).split(url).join(masked);
  if (e instanceof MongoServerError && (e.code === 18 || e.code === 13)) {
    return new AppError(
      "STORE_PERMISSION",
      `MongoDB at ${masked} refused luna: ${detail}`,
      "Check the user and password in the URL and that the user may read and write its database",
    );
  }
  return new AppError("STORE_UNAVAILABLE", `Cannot use MongoDB at ${masked}: ${detail}`, STORE_HINT);
}

export async function openMongoStore(url: string): Promise<Store> {
  let client: MongoClient | undefined;
  try {
    client = new MongoClient(url, clientOptions(url));
    await client.connect();
    const hello = await client.db("admin").command({ hello: 1 });
    if (!hello.setName && hello.msg !== "isdbgrid") {
      throw new AppError(
        "STORE_UNAVAILABLE",
        `MongoDB at ${maskUrl(url)} is a standalone server: luna needs a replica set for transactions`,
        REPLICA_SET_HINT,
      );
    }
    const db = client.db(databaseName(url));
    await Promise.all(
      KINDS.map((kind) =>
        db.collection(kind).createIndex({ name: 1 }, { unique: true, name: "name_unique" }),
      ),
    );
    return createStore(client, db);
  } catch (e) {
    await client?.close().catch(() => undefined);
    throw openError(url, e);
  }
}

function createStore(client: MongoClient, db: Db): Store {
  const col: Collections = (kind) => db.collection<Stored>(kind);
  let queue: Promise<unknown> = Promise.resolve();
  let closing: Promise<void> | undefined;
  const closed = () => new AppError("STORE_UNAVAILABLE", "The MongoDB store is closed");
  const base = reader(col, undefined, () => {
    if (closing) throw closed();
  });

  return {
    backend: "mongodb",
    ...base,
    write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
      if (closing) return Promise.reject(closed());
      // Queued in-process like SQLite: concurrent transactions of one process would only
      // conflict and retry. Other processes are serialised by the server's write conflicts.
      const run = async (): Promise<T> => {
        const session = client.startSession();
        try {
          return await session.withTransaction(() => fn(writer(col, session)), TRANSACTION);
        } finally {
          await session.endSession();
        }
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    async dump() {
      const lines: string[] = [];
      for (const kind of [...KINDS].sort()) {
        for (const d of await base.list(kind)) {
          lines.push(`${kind}\t${d.id}\t${d.name}\t${JSON.stringify(d)}`);
        }
      }
      return lines.join("\n");
    },
    close() {
      closing ??= (async () => {
        await queue;
        await client.close();
      })();
      return closing;
    },
  };
}

function reader(col: Collections, session?: ClientSession, check: () => void = () => {}): StoreReader {
  const projection = { _id: 0, doc: 1 };
  return {
    async get<K extends Kind>(kind: K, id: string) {
      check();
      const row = await col(kind).findOne({ _id: id }, { session, projection });
      return row ? readDocument(kind, row.doc) : undefined;
    },
    async byName<K extends Kind>(kind: K, name: string) {
      check();
      const row = await col(kind).findOne({ name }, { session, projection });
      return row ? readDocument(kind, row.doc) : undefined;
    },
    async list<K extends Kind>(kind: K) {
      check();
      // The default "simple" collation compares UTF-8 bytes, the order SQLite's BINARY gives.
      const rows = await col(kind)
        .find({}, { session, projection, sort: { name: 1 } })
        .toArray();
      return rows.map((r) => readDocument(kind, r.doc));
    },
  };
}

const exists = (kind: Kind, doc: { id: string; name: string }, byId: boolean) =>
  new AppError(
    "ALREADY_EXISTS",
    byId ? `A ${kind} with id '${doc.id}' already exists` : `A ${kind} named '${doc.name}' already exists`,
  );

/** Duplicate key (11000): a race the pre-check could not see; the server aborted the transaction. */
const duplicateKey = (kind: Kind, doc: { id: string; name: string }, e: unknown) =>
  e instanceof MongoServerError && e.code === 11000 ? exists(kind, doc, /_id_/.test(e.message)) : e;

function writer(col: Collections, session: ClientSession): StoreWriter {
  // Id and name are checked inside the transaction before writing: a failed write aborts a
  // MongoDB transaction, while a callback may catch ALREADY_EXISTS and go on, as on SQLite.
  const clashes = (kind: Kind, doc: { id: string; name: string }) =>
    col(kind)
      .find({ $or: [{ _id: doc.id }, { name: doc.name }] }, { session, projection: { _id: 1, name: 1 } })
      .toArray();
  return {
    ...reader(col, session),
    async insert(kind, doc) {
      const found = await clashes(kind, doc);
      if (found.length > 0)
        throw exists(
          kind,
          doc,
          found.some((r) => r._id === doc.id),
        );
      try {
        await col(kind).insertOne({ _id: doc.id, name: doc.name, doc }, { session });
      } catch (e) {
        throw duplicateKey(kind, doc, e);
      }
    },
    async update(kind, doc) {
      const found = await clashes(kind, doc);
      if (!found.some((r) => r._id === doc.id)) {
        throw new AppError("NOT_FOUND", `No ${kind} with id '${doc.id}'`);
      }
      if (found.some((r) => r._id !== doc.id)) throw exists(kind, doc, false);
      try {
        await col(kind).replaceOne({ _id: doc.id }, { name: doc.name, doc }, { session });
      } catch (e) {
        throw duplicateKey(kind, doc, e);
      }
    },
    async remove(kind, id) {
      return (await col(kind).deleteOne({ _id: id }, { session })).deletedCount > 0;
    },
  };
}
