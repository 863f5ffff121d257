/**
 * The narrow store interface the domain needs. Implementations live in src/store/ (SQLite,
 * MongoDB) and are proved equal by one contract suite (test/helpers/store-contract.ts).
 *
 * Documents are keyed by an immutable id and carry a name that is unique per kind. All changes
 * go through `write`, which runs its callback as one atomic, isolated transaction: two
 * processes allocating addresses at once are serialised. A callback may be run again when the
 * backend reports a transient conflict, so it must not have side effects outside the store.
 */
import type { Kind, Kinds } from "./model.ts";

export interface StoreReader {
  get<K extends Kind>(kind: K, id: string): Promise<Kinds[K] | undefined>;
  byName<K extends Kind>(kind: K, name: string): Promise<Kinds[K] | undefined>;
  /** Every document of a kind, sorted by name. */
  list<K extends Kind>(kind: K): Promise<Kinds[K][]>;
}

export interface StoreWriter extends StoreReader {
  /** Adds a document; a duplicate id or name fails with ALREADY_EXISTS. */
  insert<K extends Kind>(kind: K, doc: Kinds[K]): Promise<void>;
  /** Replaces the document with the same id; fails with NOT_FOUND if there is none. */
  update<K extends Kind>(kind: K, doc: Kinds[K]): Promise<void>;
  /** Removes by id; removing a missing document is not an error (returns false). */
  remove(kind: Kind, id: string): Promise<boolean>;
}

export interface Store extends StoreReader {
  readonly backend: "sqlite" | "mongodb";
  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /** A canonical text of everything stored, for tests that prove bad input changed nothing. */
  dump(): Promise<string>;
  close(): Promise<void>;
}

export const newId = (): string => crypto.randomUUID();
