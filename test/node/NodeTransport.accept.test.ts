/**
 * `NodeTransport.make().listen` over loopback, seen from a plain `node:net`
 * client: the connection ends with its handler (one that refuses at once,
 * one that dies: then the defect is logged), and closing the listener's
 * scope interrupts running handlers without logging that as an error.
 * Real sockets: each test waits for a condition under a generous deadline,
 * nothing asserts elapsed time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import type * as NetAddress from "../../src/wire/NetAddress.js"

/** Long enough for a loaded machine; a test that passes never waits for it. */
const DEADLINE = Duration.seconds(10)

interface Logged {
  readonly level: LogLevel.LogLevel
  readonly text: string
}

/** Runs `body` with every log line kept in `logs` (message and cause as text) instead of printed. */
const withLogs = <A, E, R>(body: (logs: Array<Logged>) => Effect.Effect<A, E, R>) => {
  const logs: Array<Logged> = []
  const keep = Logger.make(({ cause, logLevel, message }) => {
    logs.push({ level: logLevel, text: `${String(message)} ${Cause.pretty(cause)}` })
  })
  return Effect.provide(body(logs), Logger.replace(Logger.defaultLogger, keep))
}

const errors = (logs: ReadonlyArray<Logged>) => logs.filter((l) => LogLevel.greaterThanEqual(l.level, LogLevel.Error))

/** A plain client connected to `address`; `closed` completes when the server ends the connection. */
const client = (address: NetAddress.NetAddressFields) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<void>()
    const conn = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const conn = Net.createConnection({ host: "127.0.0.1", port: address.port })
        // A reset when the server destroys the connection is how it may end: not a test failure.
        conn.on("error", () => {})
        conn.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        return conn
      }),
      (conn) => Effect.sync(() => conn.destroy())
    )
    return { conn, closed }
  })

/** Whether `closed` completed within the deadline. */
const closesWithin = (closed: Deferred.Deferred<void>) =>
  Effect.map(Effect.timeoutOption(Deferred.await(closed), DEADLINE), Option.isSome)

/** Waits until `condition` holds, or the deadline passes (the assertion after it then fails). */
const eventually = (condition: () => boolean) =>
  Effect.suspend(() => condition() ? Effect.void : Effect.fail("not yet")).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(10))),
    Effect.timeout(DEADLINE),
    Effect.ignore
  )

describe("NodeTransport.make listen", () => {
  it.scopedLive("a handler that refuses (ends at once): the client sees the connection closed", () =>
    Effect.gen(function*() {
      const accepted = yield* Deferred.make<void>()
      const address = yield* NodeTransport.make().listen("127.0.0.1", 0, () => Deferred.succeed(accepted, undefined))
      const { closed } = yield* client(address)
      yield* Deferred.await(accepted).pipe(Effect.timeout(DEADLINE))
      expect(yield* closesWithin(closed)).toBe(true)
    }), { timeout: 30_000 })

  it.scopedLive("a handler that dies: the defect is logged and the connection destroyed", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const address = yield* NodeTransport.make().listen("127.0.0.1", 0, () => Effect.dieMessage("handler broke"))
        const { closed } = yield* client(address)
        expect(yield* closesWithin(closed)).toBe(true)
        yield* eventually(() => errors(logs).length > 0)
        expect(errors(logs).map((l) => l.text).join("\n")).toContain("handler broke")
      })
    ), { timeout: 30_000 })

  it.scopedLive("closing the listener's scope interrupts a running handler, closes its connection, and logs no error", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const running = yield* Deferred.make<void>()
        const interrupted = yield* Deferred.make<void>()
        const listener = yield* Scope.make()
        const address = yield* Scope.extend(
          NodeTransport.make().listen("127.0.0.1", 0, () =>
            Deferred.succeed(running, undefined).pipe(
              Effect.zipRight(Effect.never),
              Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
            )),
          listener
        )
        const { closed } = yield* client(address)
        yield* Deferred.await(running).pipe(Effect.timeout(DEADLINE))
        yield* Scope.close(listener, Exit.void)
        expect(yield* Deferred.isDone(interrupted)).toBe(true)
        expect(yield* closesWithin(closed)).toBe(true)
        expect(errors(logs)).toEqual([])
      })
    ), { timeout: 30_000 })
})

describe("handled: a dying finalizer", () => {
  it.scopedLive("a finalizer the handler added dies: the connection is still destroyed and the defect logged", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const address = yield* NodeTransport.make().listen("127.0.0.1", 0, () =>
          Effect.addFinalizer(() => Effect.dieMessage("finalizer broke")))
        const { closed } = yield* client(address)
        expect(yield* closesWithin(closed)).toBe(true)
        yield* eventually(() => errors(logs).length > 0)
        expect(errors(logs).map((l) => l.text).join("\n")).toContain("finalizer broke")
      })
    ), { timeout: 30_000 })
})
