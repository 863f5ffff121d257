/**
 * The text of a process's output as it arrives, with a bounded wait for a piece of it: how
 * tests wait for a long-running command to say something, without sleeping.
 */
type Piece = string | RegExp | ((text: string) => boolean);

export interface StreamText {
  text(): string;
  /** Resolves once the text holds `piece` (matches it, passes it); throws after `ms` or at the end of the stream. */
  until(piece: Piece, ms?: number): Promise<void>;
  /** Resolves when the stream has ended. */
  ended(): Promise<void>;
}

export function streamText(stream: ReadableStream<Uint8Array>): StreamText {
  let text = "";
  let ended = false;
  let wake = () => {};
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      wake();
    }
    ended = true;
    wake();
  })();
  const holds = (piece: Piece) =>
    typeof piece === "string"
      ? text.includes(piece)
      : typeof piece === "function"
        ? piece(text)
        : piece.test(text);
  return {
    text: () => text,
    async until(piece, ms = 15_000) {
      const deadline = AbortSignal.timeout(ms);
      while (!holds(piece)) {
        if (ended || deadline.aborted)
          throw new Error(`never saw ${String(piece)} in ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          deadline.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
    ended: () => done,
  };
}
