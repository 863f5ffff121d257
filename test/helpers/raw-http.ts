/**
 * One HTTP/1.1 request over a plain TCP socket, exactly as written: no client-side URL
 * normalisation (`..`, `%2e`), and the response headers as the server sent them (fetch may
 * drop or synthesise some, e.g. Content-Length on HEAD).
 */

export interface RawResponse {
  status: number;
  /** lower-cased names; a repeated header keeps its last value */
  headers: Record<string, string>;
  body: Uint8Array;
}

export async function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const chunks: Uint8Array[] = [];
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, d) => void chunks.push(new Uint8Array(d)),
      end: (s) => void s.end(),
      close: () => closed.resolve(),
      error: (_s, e) => closed.reject(e),
    },
  });
  const lines = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  await closed.promise;
  const all = Buffer.concat(chunks);
  const split = all.indexOf("\r\n\r\n");
  if (split < 0) throw new Error(`no complete response head: ${JSON.stringify(all.toString())}`);
  const [statusLine = "", ...fields] = all.subarray(0, split).toString("latin1").split("\r\n");
  const out: Record<string, string> = {};
  for (const f of fields) {
    const at = f.indexOf(":");
    out[f.slice(0, at).trim().toLowerCase()] = f.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers: out, body: all.subarray(split + 4) };
}
