/** Replaces (or appends) a marked section of a Markdown file, so benchmarks rewrite only their own part. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function replaceSection(file: string, id: string, title: string, body: string): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const section = `${start}\n${body}\n${end}`;
  const next = text.includes(start)
    ? text.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => section)
    : `${text.trimEnd()}\n\n## ${title}\n\n${section}\n`;
  writeFileSync(file, next);
}
