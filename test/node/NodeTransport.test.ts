/**
 * `NodeTransport.make().dial` over loopback: what a connector relies on. A
 * refused port is `Unreachable` at once; a connect that hangs is `Timeout`
 * after `dialTimeout` (and the half-open socket is not left behind); an
 * infinite timeout is no timer at all; an interrupted dial leaves no socket
 * behind; closing the dial's scope closes the connection; the dialled socket
 * carries data.
 *
 * The hanging connect comes from a child process listening with a backlog of
 * one whose event loop is blocked: it never accepts, so once the kernel's
 * queue is full, further SYNs are dropped (loopback only, bounded in time).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { spawn } from "node:child_process"
import * as Net from "node:net"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { closedPort } from "../support/tcp.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"

const loopback = (port: number) => NetAddress.fromHost("127.0.0.1", port)!

/** A port nobody listens on (bound, closed). */

/** A listener that never accepts (its process is blocked), so connects to it hang once its queue is full. */
const blackhole = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly kill: () => void }>((resume) => {
    const child = spawn(process.execPath, [
      "-e",
      `const s = require("node:net").createServer();
       s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         process.stdout.write(String(s.address().port) + "\\n");
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
         process.exit(0);
       });`
    ], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.once("data", (d) => resume(Effect.succeed({ port: Number(String(d).trim()), kill: () => child.kill("SIGKILL") })))
  }),
  (b) => Effect.sync(b.kill)
)

/** Open TCP sockets of this process. */
const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length

/** Waits (sockets close asynchronously, so under a generous deadline) until no more than `before` are open. */
const socketsBackTo = (before: number) =>
  Effect.suspend(() => (sockets() <= before ? Effect.void : Effect.fail("sockets left"))).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(20))),
    Effect.timeout(Duration.seconds(10)),
    Effect.ignore
  )

describe("NodeTransport.make dial", () => {
  it.scopedLive("a refused port fails Unreachable", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(closedPort)
      const r = yield* Effect.either(NodeTransport.make().dial(loopback(port)))
      expect(Either.isLeft(r) && r.left.reason).toBe("Unreachable")
    }))

  it.scopedLive("a connect that hangs fails Timeout after dialTimeout, and leaves no socket behind", () =>
    Effect.gen(function*() {
      const { port } = yield* blackhole
      const transport = NodeTransport.make({ dialTimeout: Duration.millis(300) })
      const before = sockets()
      // Fill the listener's queue (those connects complete in the kernel), then one more hangs.
      let timedOut = 0
      for (let i = 0; i < 4 && timedOut === 0; i++) {
        // The reason says the dial timer fired; when it fires is Node's timer (real time, not
        // asserted: a busy machine fires it late).
        const r = yield* Effect.either(Effect.scoped(transport.dial(loopback(port))))
        if (Either.isLeft(r)) {
          expect(r.left.reason).toBe("Timeout")
          timedOut++
        }
      }
      expect(timedOut).toBe(1)
      yield* socketsBackTo(before)
      expect(sockets()).toBeLessThanOrEqual(before)
    }), { timeout: 15_000 })

  it.scopedLive("an interrupted dial leaves no socket behind", () =>
    Effect.gen(function*() {
      const { port } = yield* blackhole
      // No dial timer: only the interruption (`timeoutOption`) ends the connect that hangs.
      const transport = NodeTransport.make({ dialTimeout: Duration.infinity })
      const before = sockets()
      let interrupted = 0
      for (let i = 0; i < 4 && interrupted === 0; i++) {
        const r = yield* Effect.timeoutOption(Effect.scoped(transport.dial(loopback(port))), Duration.millis(300))
        if (Option.isNone(r)) interrupted++
      }
      expect(interrupted).toBe(1)
      yield* socketsBackTo(before)
      expect(sockets()).toBeLessThanOrEqual(before)
    }), { timeout: 15_000 })

  it.scopedLive("closing the dial's scope closes the connection", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.makeLatch(false)
      const server = Net.createServer((c) => {
        c.on("error", () => {})
        c.on("close", () => closed.unsafeOpen())
        c.resume()
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))),
        () => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
      )
      const port = (server.address() as Net.AddressInfo).port
      yield* Effect.scoped(NodeTransport.make().dial(loopback(port)))
      const ended = yield* Effect.timeoutOption(closed.await, Duration.seconds(10))
      expect(Option.isSome(ended)).toBe(true)
    }))

  it.scopedLive("an infinite dialTimeout means no timer: the dial connects and the socket carries data", () =>
    Effect.gen(function*() {
      const got = yield* Effect.makeLatch(false)
      let received = ""
      const server = Net.createServer((c) =>
        c.on("data", (d) => {
          received += String(d)
          got.unsafeOpen()
        })
      )
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))),
        () => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
      )
      const port = (server.address() as Net.AddressInfo).port
      yield* Effect.scoped(Effect.gen(function*() {
        const socket = yield* NodeTransport.make({ dialTimeout: Duration.infinity }).dial(loopback(port))
        const write = yield* socket.writer
        yield* Effect.fork(socket.run(() => {}))
        yield* write(new TextEncoder().encode("hello"))
        yield* got.await
      }))
      expect(received).toBe("hello")
    }))
})
