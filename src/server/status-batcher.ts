/**
 * Group commit for status reports: in a boot storm thousands of nodes report stages each
 * second, and one store transaction per report makes the commit the bottleneck. Reports that
 * arrive while a commit is running are written together in the next one; every request is
 * answered only after the transaction holding its report has committed, so nothing
 * acknowledged can be lost. A bad report (unknown node, invalid stage) fails alone.
 */
import { AppError } from "../domain/errors.ts";
import { checkStatus, withStatus } from "../domain/status.ts";
import type { Store } from "../domain/store.ts";

interface Pending {
  node: string;
  step: string;
  time: string;
  done: (error?: unknown) => void;
}

export function createStatusBatcher(store: Store) {
  let queue: Pending[] = [];
  let running = false;

  async function flush(): Promise<void> {
    running = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const failures = new Map<Pending, unknown>();
      try {
        await store.write(async (tx) => {
          failures.clear();
          for (const p of batch) {
            const node = await tx.byName("node", p.node);
            if (!node) {
              failures.set(p, new AppError("NOT_FOUND", `No node named '${p.node}'`));
              continue;
            }
            await tx.update("node", withStatus(node, p.step, p.time));
          }
        });
        for (const p of batch) p.done(failures.get(p));
      } catch (e) {
        for (const p of batch) p.done(e);
      }
    }
    running = false;
  }

  return {
    record(node: string, step: string, time: string): Promise<void> {
      checkStatus(step);
      return new Promise<void>((resolve, reject) => {
        queue.push({ node, step, time, done: (e) => (e ? reject(e) : resolve()) });
        if (!running) void flush();
      });
    },
  };
}

export type StatusBatcher = ReturnType<typeof createStatusBatcher>;
