/**
 * Group commit for node updates from booting nodes (status reports, `boot.request` from
 * discovery, `install.request` with the image version from the install script): in a boot
 * storm thousands of nodes report each second, and one store transaction per report makes the
 * commit the bottleneck. The changes brought by one turn of the event loop are written in one
 * transaction (those arriving while it commits, in the next); every request is answered only
 * after the transaction holding its change has committed, so nothing acknowledged can be lost.
 * A bad change (unknown node, invalid stage) fails alone.
 */
import { AppError } from "../domain/errors.ts";
import type { Node } from "../domain/model.ts";
import { checkStatus, withStatus } from "../domain/status.ts";
import type { Store } from "../domain/store.ts";

/** A change to one node, given its current document inside the group transaction. */
export type NodeChange = (node: Node) => Node;

interface Pending {
  node: string;
  change: NodeChange;
  done: (result: Node | Error) => void;
}

/** `onBatch`: told the size of each batch as it is committed (metrics). */
export function createStatusBatcher(store: Store, onBatch?: (size: number) => void) {
  let queue: Pending[] = [];
  let running = false;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const results = new Map<Pending, Node | Error>();
      onBatch?.(batch.length);
      try {
        await store.write(async (tx) => {
          results.clear();
          for (const p of batch) {
            const node = await tx.byName("node", p.node);
            if (!node) {
              results.set(p, new AppError("NOT_FOUND", `No node named '${p.node}'`));
              continue;
            }
            let updated: Node;
            try {
              updated = p.change(node);
            } catch (e) {
              results.set(p, e instanceof Error ? e : new Error(String(e)));
              continue;
            }
            await tx.update("node", updated);
            results.set(p, updated);
          }
        });
        for (const p of batch) p.done(results.get(p) ?? new Error("not written"));
      } catch (e) {
        for (const p of batch) p.done(e instanceof Error ? e : new Error(String(e)));
      }
    }
    running = false;
  }

  function update(node: string, change: NodeChange): Promise<Node> {
    return new Promise<Node>((resolve, reject) => {
      queue.push({ node, change, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      // SQLite calls are synchronous: a flush started right here would commit this one change
      // before the server even reads the next request. Deferred to the next turn of the event
      // loop, it takes every change that the requests of this turn brought.
      if (!running) {
        running = true;
        setImmediate(() => void flush());
      }
    });
  }

  return {
    update,
    async record(node: string, step: string, time: string): Promise<void> {
      checkStatus(step);
      await update(node, (n) => withStatus(n, step, time));
    },
  };
}

export type StatusBatcher = ReturnType<typeof createStatusBatcher>;
