/**
 * The checkpoint worker's thread (see checkpointer.ts): its own connection to the store runs
 * PASSIVE checkpoints, repeated until they catch up with the commits, or a TRUNCATE when asked.
 * The main thread sends one request at a time and waits for its reply.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

/** What the main thread asks: a checkpoint of `path`, or to close the connection. */
export type CheckpointRequest =
  | { close: true }
  | { close?: false; path: string; truncate: boolean; above: number };

export interface CheckpointReply {
  ok: boolean;
  closed?: boolean;
  busy?: number;
  log?: number;
  checkpointed?: number;
  pageSize?: number;
  truncated?: boolean;
  error?: string;
}

interface WalCheckpoint {
  busy: number;
  log: number;
  checkpointed: number;
}

let db: Database | undefined;

function checkpoint(req: Exclude<CheckpointRequest, { close: true }>): CheckpointReply {
  if (!db) {
    db = new Database(req.path, { strict: true });
    db.run("PRAGMA busy_timeout = 1000");
  }
  const pageSize = db.query<{ page_size: number }, []>("PRAGMA page_size").get()?.page_size ?? 0;
  if (req.truncate) {
    const r = db.query<WalCheckpoint, []>("PRAGMA wal_checkpoint(TRUNCATE)").get();
    return { ok: true, ...r, pageSize, truncated: r?.busy === 0 };
  }
  // Again while commits keep adding frames, until the checkpoint has caught up (bounded per
  // request), or until the WAL is big enough to be truncated.
  const q = db.query<WalCheckpoint, []>("PRAGMA wal_checkpoint(PASSIVE)");
  let r = q.get();
  for (let n = 1; n < 50 && r && r.checkpointed < r.log && r.log * pageSize <= req.above; n++) r = q.get();
  return { ok: true, ...r, pageSize, truncated: false };
}

self.onmessage = (e: MessageEvent<CheckpointRequest>) => {
  let reply: CheckpointReply;
  try {
    if (e.data.close) {
      db?.close();
      db = undefined;
      reply = { ok: true, closed: true };
    } else {
      reply = checkpoint(e.data);
    }
  } catch (err) {
    reply = { ok: false, error: String(err) };
  }
  self.postMessage(reply);
};
