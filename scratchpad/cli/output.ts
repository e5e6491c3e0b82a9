/**
 * The example program's output: one event per line, as text or as JSON (`--json`).
 *
 * Text from peers (user agents, and anything else a remote chooses) is escaped in human output,
 * so a user agent holding a newline or an ANSI escape cannot forge a line or recolour the terminal.
 * JSON output needs no such care: `JSON.stringify` escapes control characters.
 *
 * The library's own log lines (a DNS seed that failed, `--log-level debug` detail) follow the
 * format: under `--json` each is a `log` event on stdout, so that every line there parses; in text
 * they go to stderr, escaped, apart from the events. When the reader of our output goes away
 * (`| head`), `closed` lets the program stop instead of dying on `EPIPE`.
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"

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

const toJson = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value)

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
 * A `Console` that writes `@effect/cli`'s help and messages without their ANSI styling: for output
 * that is not a terminal (a file, a pipe) or when `NO_COLOR` is set (no-color.org). @effect/cli
 * styles them in every case.
 */
export const plainConsole = (base: Console.Console): Console.Console => ({
  ...base,
  log: (...args: ReadonlyArray<unknown>) => base.log(...args.map((a) => (typeof a === "string" ? a.replace(ANSI, "") : a))),
  error: (...args: ReadonlyArray<unknown>) => base.error(...args.map((a) => (typeof a === "string" ? a.replace(ANSI, "") : a)))
})

/**
 * A `Console` whose `error` writes a JSON `usage` error event: what `@effect/cli` prints for a bad
 * option becomes one parseable line under `--json`.
 */
export const jsonUsageConsole = (base: Console.Console): Console.Console => ({
  ...base,
  error: (...args: ReadonlyArray<unknown>) =>
    make(true).error("usage", args.map(String).join(" ").replace(ANSI, "").trim())
})

const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((p) => (typeof p === "string" ? p : toJson(p))).join(" ")
}

/**
 * The logger for the library's log lines, in the chosen format: a JSON `log` event on stdout
 * (`level`, `message`, `annotations`, and `cause` when there is one), or one escaped text line on
 * stderr (the cause, if any, on indented lines below it).
 */
export const logger = (json: boolean): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const fields = Object.fromEntries(HashMap.toEntries(annotations))
    const failure = Cause.isEmpty(cause) ? undefined : Cause.pretty(cause)
    if (json) {
      console.log(toJson({
        event: "log",
        time: date.toISOString(),
        level: logLevel.label,
        message: messageText(message),
        annotations: fields,
        ...(failure === undefined ? {} : { cause: failure })
      }))
      return
    }
    const pairs = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === "string" ? v : toJson(v)}`).join("")
    const lines = [`${date.toISOString().slice(11, 23)}  ${logLevel.label.padEnd(5)} ${messageText(message)}${pairs}`]
    if (failure !== undefined) lines.push(...failure.split("\n").map((l) => `    ${l}`))
    console.error(lines.map(escapeControl).join("\n"))
  })

/**
 * Succeeds when whoever reads our stdout or stderr has gone away (`EPIPE`: `| head` has read its
 * lines); fails on any other error of those streams. Node would otherwise throw the stream's
 * `error` event as an uncaught exception, with its stack trace. The listeners stay for the life
 * of the process: a closed stream may report again while the program shuts down.
 */
export const closed: Effect.Effect<void, string> = Effect.async<void, string>((resume) => {
  const onError = (e: NodeJS.ErrnoException) =>
    resume(e.code === "EPIPE" ? Effect.void : Effect.fail(`cannot write output: ${e.code ?? e.message}`))
  process.stdout.on("error", onError)
  process.stderr.on("error", onError)
})
