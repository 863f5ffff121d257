/**
 * `verb()` keeps citty's types (issue 14 item 6): the run function sees a required string flag
 * as `string`, an optional one as `string | undefined` and a boolean as `boolean | undefined`,
 * so commands need no `as string`. The type assertions below are checked by `tsc` in the gate;
 * the test runs the command to show the values arrive as typed.
 */
import { expect, test } from "bun:test";
import { runCommand } from "citty";
import { verb } from "../../src/cli/verb.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T) => {};

test("verb passes typed args to run", async () => {
  const seen: unknown[] = [];
  const cmd = verb({
    noun: "thing",
    name: "do",
    description: "test verb",
    args: {
      to: { type: "string", required: true, description: "required" },
      comment: { type: "string", alias: ["C"], description: "optional" },
      json: { type: "boolean", description: "flag" },
    },
    async run(a) {
      assertType<Equal<typeof a.to, string>>(true);
      assertType<Equal<typeof a.comment, string | undefined>>(true);
      assertType<Equal<typeof a.json, boolean | undefined>>(true);
      seen.push(a.to, a.comment, a.json);
    },
  });
  await runCommand(cmd, { rawArgs: ["--to", "x", "-C", "note", "--json"] });
  expect(seen).toEqual(["x", "note", true]);
});

test("verb still refuses an unknown flag", async () => {
  const cmd = verb({ noun: "thing", name: "do", description: "", args: {}, run: async () => {} });
  await expect(runCommand(cmd, { rawArgs: ["--nope"] })).rejects.toThrow("Unknown option '--nope'");
});
