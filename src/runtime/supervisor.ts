/**
 * Runs the daemon's services: starts them in order, stops them in reverse on SIGTERM/SIGINT
 * or when any one fails (with a log line naming it), and resolves when all are stopped.
 */
import type { Logger } from "../lib/logger.ts";

export interface Service {
  name: string;
  /** Starts the service; resolves once it is serving. `failed` may be called later if it dies. */
  start(failed: (error: unknown) => void): Promise<void>;
  stop(): Promise<void>;
}

export interface Supervisor {
  /** Resolves with the exit code once every service has stopped. */
  done: Promise<number>;
  stop(reason: string): Promise<void>;
}

export async function supervise(
  services: Service[],
  log: Logger,
  signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): Promise<Supervisor> {
  const started: Service[] = [];
  let stopping: Promise<void> | undefined;
  /** the start in progress: a stop waits for it, so a service that comes up late is stopped too */
  let starting: Promise<boolean> | undefined;
  let code = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(`stopping: ${reason}`);
      await starting;
      for (const s of [...started].reverse()) {
        try {
          await s.stop();
          log.info(`service ${s.name} stopped`);
        } catch (e) {
          code = 1;
          log.error(`service ${s.name} did not stop cleanly`, { error: String(e) });
        }
      }
      for (const sig of signals) process.off(sig, onSignal);
      resolveDone(code);
    })();
    return stopping;
  };
  const onSignal = (sig: NodeJS.Signals) => void stop(`received ${sig}`);
  for (const sig of signals) process.on(sig, onSignal);
  for (const s of services) {
    if (stopping) break; // a signal or a failure came while an earlier service started
    starting = s
      .start((error) => {
        code = 1;
        log.error(`service ${s.name} failed; stopping the others`, { error: String(error) });
        void stop(`${s.name} failed`);
      })
      .then(
        () => {
          started.push(s);
          log.info(`service ${s.name} started`);
          return true;
        },
        (e) => {
          code = 1;
          log.error(`service ${s.name} could not start; stopping the others`, {
            error: e instanceof Error ? e.message : String(e),
          });
          return false;
        },
      );
    const ok = await starting;
    starting = undefined;
    if (!ok) {
      await stop(`${s.name} failed to start`);
      break;
    }
  }
  return { done, stop };
}
