/**
 * The example program's output: one event per line, as text or as JSON (`--json`).
 *
 * Text from peers (user agents, and anything else a remote chooses) is escaped in human output,
 * so a user agent holding a newline or an ANSI escape cannot forge a line or recolour the terminal.
 * JSON output needs no such care: `JSON.stringify` escapes control characters.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

// C0 and C1 controls, DEL, line/paragraph separators and bidirectional overrides.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `s` with every control character written as a visible escape (`\n`, `\x1b`, `\u202e`). */
export const escapeControl = (s: string): string =>
  s.replace(UNSAFE, (c) => {
    if (c === "\n") return "\\n"
    if (c === "\r") return "\\r"
    if (c === "\t") return "\\t"
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
  })

const toJson = (value: object): string => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))

/** Writes events in one of the two formats. */
export interface Output {
  readonly json: boolean
  /** One event: `fields` for JSON, `human` for text (escaped here). */
  readonly emit: (event: string, fields: Record<string, unknown>, human: string) => Effect.Effect<void>
  /** An error: JSON `{"event":"error",...}` on stdout, or text on stderr. */
  readonly error: (kind: string, message: string) => Effect.Effect<void>
}

export const make = (json: boolean): Output => ({
  json,
  emit: (event, fields, human) =>
    Effect.sync(() => {
      const time = new Date().toISOString()
      console.log(json ? toJson({ event, time, ...fields }) : `${time.slice(11, 23)}  ${escapeControl(human)}`)
    }),
  error: (kind, message) =>
    Effect.sync(() => {
      if (json) console.log(toJson({ event: "error", time: new Date().toISOString(), kind, message }))
      else console.error(`error: ${escapeControl(message)}`)
    })
})

// `@effect/cli` writes its messages (usage errors) with ANSI styling.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

/**
 * A `Console` whose `error` writes a JSON `usage` error event: what `@effect/cli` prints for a bad
 * option becomes one parseable line under `--json`.
 */
export const jsonUsageConsole = (base: Console.Console): Console.Console => ({
  ...base,
  error: (...args: ReadonlyArray<unknown>) =>
    make(true).error("usage", args.map(String).join(" ").replace(ANSI, "").trim())
})
