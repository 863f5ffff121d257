/**
 * The MongoDB store (official driver), for several head nodes sharing one state. One
 * collection per kind, documents stored with `_id` = our id and a unique index on `name`.
 * Every `write` is a session transaction with majority write concern, so allocation stays
 * atomic across head nodes; transactions need a replica set (a single member is enough), and
 * a standalone server is refused with instructions instead of silently losing atomicity.
 */
import { type ClientSession, type Db, MongoClient, MongoServerError } from "mongodb";
import { AppError } from "../../domain/errors.ts";
import { KINDS, type Kind, type Kinds } from "../../domain/model.ts";
import type { Store, StoreReader, StoreWriter } from "../../domain/store.ts";

const mask = (url: string) => url.replace(/\/\/([^:@/]+):([^@/]+)@/, "//$1:***@");

type Stored = { _id: string } & Record<string, unknown>;
const toDoc = <K extends Kind>(d: Stored | null): Kinds[K] | undefined => {
  if (!d) return undefined;
  const { _id, ...rest } = d;
  return { id: _id, ...rest } as unknown as Kinds[K];
};
const toStored = (doc: { id: string }): Stored => {
  const { id, ...rest } = doc as { id: string } & Record<string, unknown>;
  return { _id: id, ...rest };
};

function reader(db: Db, session?: ClientSession): StoreReader {
  return {
    async get(kind, id) {
      return toDoc(await db.collection<Stored>(kind).findOne({ _id: id }, { session }));
    },
    async byName(kind, name) {
      return toDoc(await db.collection<Stored>(kind).findOne({ name }, { session }));
    },
    async list(kind) {
      const docs = await db.collection<Stored>(kind).find({}, { session }).sort({ name: 1 }).toArray();
      return docs.map((d) => toDoc(d)) as Kinds[typeof kind][];
    },
  };
}

const duplicate = (kind: string, name: string, e: unknown) => {
  if (e instanceof MongoServerError && e.code === 11000) {
    return new AppError("ALREADY_EXISTS", `A ${kind} named '${name}' already exists`);
  }
  return e;
};

export async function openMongoStore(url: string): Promise<Store> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    writeConcern: { w: "majority" },
    readConcern: { level: "majority" },
  });
  try {
    await client.connect();
    const hello = await client.db("admin").command({ hello: 1 });
    if (!hello.setName) {
      throw new AppError(
        "STORE_UNAVAILABLE",
        `MongoDB at ${mask(url)} is a standalone server; luna needs a replica set for transactions`,
        "Start mongod with --replSet rs0 and run rs.initiate() once (a single member is fine)",
      );
    }
  } catch (e) {
    await client.close().catch(() => {});
    if (e instanceof AppError) throw e;
    throw new AppError(
      "STORE_UNAVAILABLE",
      `Cannot reach MongoDB at ${mask(url)}: ${(e as Error).message}`,
      "Check the URL, the server and the network, or choose --store sqlite:PATH",
    );
  }
  const db = client.db();
  for (const kind of KINDS) await db.collection(kind).createIndex({ name: 1 }, { unique: true });
  const base = reader(db);
  return {
    backend: "mongodb",
    ...base,
    async write(fn) {
      const session = client.startSession();
      try {
        let result: Awaited<ReturnType<typeof fn>> | undefined;
        await session.withTransaction(
          async () => {
            const tx: StoreWriter = {
              ...reader(db, session),
              async insert(kind, doc) {
                try {
                  await db.collection<Stored>(kind).insertOne(toStored(doc), { session });
                } catch (e) {
                  throw duplicate(kind, doc.name, e);
                }
              },
              async update(kind, doc) {
                let matched: number;
                try {
                  matched = (
                    await db.collection<Stored>(kind).replaceOne({ _id: doc.id }, toStored(doc), { session })
                  ).matchedCount;
                } catch (e) {
                  throw duplicate(kind, doc.name, e);
                }
                if (matched !== 1) throw new AppError("NOT_FOUND", `No ${kind} with id '${doc.id}'`);
              },
              async remove(kind, id) {
                return (
                  (await db.collection<Stored>(kind).deleteOne({ _id: id }, { session })).deletedCount > 0
                );
              },
            };
            result = await fn(tx);
          },
          { writeConcern: { w: "majority" }, readConcern: { level: "snapshot" } },
        );
        return result as Awaited<ReturnType<typeof fn>>;
      } finally {
        await session.endSession();
      }
    },
    async dump() {
      const lines: string[] = [];
      for (const kind of [...KINDS].sort()) {
        for (const d of await base.list(kind))
          lines.push(`${kind}\t${d.id}\t${d.name}\t${JSON.stringify(d)}`);
      }
      return lines.join("\n");
    },
    async close() {
      await client.close();
    },
  };
}
