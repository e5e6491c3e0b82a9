/**
 * The thin `Socket` over `node:net` that `NodeTransport` dials and listens
 * with (`fromNetSocket`, internal `TcpSocket`): what a peer relies on from
 * it, over loopback. How `run` ends says how the connection ended (the
 * remote's FIN: success; a reset: a `Read` error with `ECONNRESET`; our own
 * close: `Close`); reads stop while a handler's effect is pending and go on
 * after, losing nothing; a write after the connection closed fails rather
 * than hangs; `Pieces` written directly arrive back to back, in order;
 * closing a listener leaves no socket open.
 *
 * Waits are for conditions under a generous deadline, never for a time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Socket from "@effect/platform/Socket"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import { DirectWrite } from "../../src/internal/peer/DirectWrite.js"
import type { Pieces } from "../../src/internal/peer/pieces.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

const HOST = "127.0.0.1"

/** A connected pair over loopback: `ours` (adapted by `fromNetSocket`) and the raw remote end. */
const connectedPair = Effect.acquireRelease(
  Effect.async<{ readonly ours: Net.Socket; readonly remote: Net.Socket; readonly server: Net.Server }>((resume) => {
    const server = Net.createServer({ noDelay: true })
    server.listen(0, HOST, () => {
      const ours = Net.createConnection({ host: HOST, port: (server.address() as Net.AddressInfo).port, noDelay: true })
      // Both ends connected before a test starts (a reset before our connect completes would be a connect error).
      let remote: Net.Socket | undefined
      let connected = false
      const ready = () => {
        if (remote !== undefined && connected) resume(Effect.succeed({ ours, remote, server }))
      }
      ours.once("connect", () => {
        // As `NodeTransport`'s dial does once connected: an error before the socket is adapted is not uncaught.
        ours.on("error", () => {})
        connected = true
        ready()
      })
      server.once("connection", (c) => {
        c.on("error", () => {})
        remote = c
        ready()
      })
    })
  }),
  ({ ours, remote, server }) =>
    Effect.sync(() => {
      ours.destroy()
      remote.destroy()
      server.close()
    })
)

/** Holds until `condition` is true (checked every 10 ms), failing after `seconds`. */
const eventually = (condition: () => boolean, seconds = 10) =>
  Effect.suspend(() => (condition() ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(10))),
    Effect.timeout(Duration.seconds(seconds)),
    Effect.orDie
  )

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill)

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length

describe("TcpSocket (NodeTransport.fromNetSocket)", () => {
  it.scopedLive("the remote's orderly close ends run with success, after every byte it sent was handled", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      let received = 0
      const run = yield* Effect.fork(socket.run((chunk) => void (received += chunk.length)))
      remote.end(bytes(100_000))
      const exit = yield* Fiber.await(run)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(received).toBe(100_000)
    }))

  it.scopedLive("half-open: after the remote's FIN our side ends too (the remote sees our FIN), and run succeeds", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const remoteSawEnd = yield* Deferred.make<void>()
      remote.on("end", () => Deferred.unsafeDone(remoteSawEnd, Exit.void))
      remote.resume()
      const run = yield* Effect.fork(socket.run(() => {}))
      remote.end()
      expect(Exit.isSuccess(yield* Fiber.await(run))).toBe(true)
      yield* Deferred.await(remoteSawEnd).pipe(Effect.timeout(Duration.seconds(10)))
    }))

  it.scopedLive("a reset by the remote fails run with a Read error carrying ECONNRESET", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const run = yield* Effect.fork(socket.run(() => {}))
      // Abort the remote end: an RST instead of a FIN.
      remote.resetAndDestroy()
      const e = yield* Effect.flip(Fiber.join(run))
      expect(e.reason).toBe("Read")
      expect((e as Socket.SocketGenericError).cause).toMatchObject({ code: "ECONNRESET" })
    }))

  it.scopedLive("closing from our side (CloseEvent) destroys the connection: the remote sees it close, run fails with Close", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const remoteClosed = yield* Deferred.make<void>()
      remote.on("close", () => Deferred.unsafeDone(remoteClosed, Exit.void))
      remote.on("error", () => {})
      remote.resume()
      const run = yield* Effect.fork(socket.run(() => {}))
      const write = yield* socket.writer
      yield* write(new Socket.CloseEvent(1000))
      const e = yield* Effect.flip(Fiber.join(run))
      expect(e.reason).toBe("Close")
      yield* Deferred.await(remoteClosed).pipe(Effect.timeout(Duration.seconds(10)))
    }))

  it.scopedLive("a write after the connection closed fails with a Write error instead of waiting", () =>
    Effect.gen(function*() {
      const { ours } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const write = yield* socket.writer
      yield* write(bytes(10))
      ours.destroy()
      const e = yield* Effect.flip(write(bytes(10)).pipe(Effect.timeout(Duration.seconds(10))))
      expect(e._tag === "SocketError" && e.reason).toBe("Write")
    }))

  it.scopedLive("DirectWrite of Pieces: the remote gets them back to back, in order, and done is called once; on a closed connection, with an error", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const direct = (socket as unknown as DirectWrite)[DirectWrite]
      const received: Array<Buffer> = []
      remote.on("data", (chunk: Buffer) => received.push(chunk))
      const whole = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff)
      const pieces: Pieces = { pieces: [whole.subarray(0, 3), whole.subarray(3, 200_000), whole.subarray(200_000)], byteLength: whole.length }
      const calls: Array<Error | null | undefined> = []
      // Pieces always report through `done`; a small write the kernel takes at once returns true instead.
      expect(direct(pieces, (e) => calls.push(e))).toBe(false)
      if (direct(bytes(5, 9), (e) => calls.push(e))) calls.push(undefined)
      yield* eventually(() => calls.length === 2 && received.reduce((n, c) => n + c.length, 0) === 300_005)
      expect(calls.map((e) => e ?? "ok")).toEqual(["ok", "ok"])
      const got = Buffer.concat(received)
      expect(Buffer.compare(got.subarray(0, 300_000), whole)).toBe(0)
      expect(Array.from(got.subarray(300_000))).toEqual([9, 9, 9, 9, 9])
      ours.destroy()
      const failed: Array<Error | null | undefined> = []
      expect(direct(pieces, (e) => failed.push(e))).toBe(false)
      yield* eventually(() => failed.length > 0)
      expect(failed.length).toBe(1)
      expect(failed[0]).toBeInstanceOf(Error)
    }))

  it.scopedLive("backpressure: while a handler's effect is pending the connection is paused and nothing more is handled; then everything arrives", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const room = yield* Effect.makeLatch(false)
      let chunks = 0
      let received = 0
      const run = yield* Effect.fork(socket.run((chunk) => {
        received += chunk.length
        // The first chunk asks the socket to wait.
        return ++chunks === 1 ? room.await : undefined
      }))
      const total = 8 * 1024 * 1024
      remote.write(bytes(total))
      yield* eventually(() => chunks === 1)
      // Paused: Node stops reading, the kernel buffers fill, the remote's writes back up.
      yield* eventually(() => ours.isPaused() && remote.writableLength > 0)
      const handledWhilePaused = chunks
      // Give the event loop turns in which a socket that kept reading would deliver more.
      for (let i = 0; i < 20; i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      expect(chunks).toBe(handledWhilePaused)
      yield* room.open
      yield* eventually(() => received === total)
      expect(ours.isPaused()).toBe(false)
      yield* Fiber.interrupt(run)
    }))

  it.scopedLive("a handler effect that fails ends run with its error", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const run = yield* Effect.fork(socket.run(() => Effect.fail("handler failed" as const)))
      remote.write(bytes(10))
      expect(yield* Effect.flip(Fiber.join(run))).toBe("handler failed")
    }))

  it.scopedLive("run on a connection the remote already closed ends at once", () =>
    Effect.gen(function*() {
      const { ours, remote } = yield* connectedPair
      remote.resetAndDestroy()
      yield* eventually(() => ours.destroyed)
      const socket = yield* NodeTransport.fromNetSocket(ours)
      const exit = yield* socket.run(() => {}).pipe(Effect.timeout(Duration.seconds(10)), Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
    }))
})

describe("NodeTransport listen and dial over TcpSocket", () => {
  it.scopedLive("100 connections, each handler running its socket; closing the listener closes every one and leaves no socket open", () =>
    Effect.gen(function*() {
      const before = tcpSockets()
      const transport = NodeTransport.make()
      const listenScope = yield* Scope.make()
      let running = 0
      const address = yield* Scope.extend(
        transport.listen(HOST, 0, ({ socket }) => {
          running++
          return Effect.ignore(socket.run(() => {}))
        }),
        listenScope
      )
      const clients: Array<Net.Socket> = []
      let closed = 0
      for (let i = 0; i < 100; i++) {
        const c = Net.createConnection({ host: HOST, port: address.port })
        c.on("error", () => {})
        c.on("close", () => closed++)
        c.resume()
        clients.push(c)
      }
      yield* eventually(() => running === 100)
      yield* Scope.close(listenScope, Exit.void)
      // Every accepted connection was destroyed by its handler's end: each client sees its close.
      yield* eventually(() => closed === 100)
      yield* eventually(() => tcpSockets() <= before)
      expect(tcpSockets()).toBeLessThanOrEqual(before)
    }), { timeout: 30_000 })

  it.scopedLive("a dialled and an accepted socket carry bytes both ways; a handler that returns closes its connection", () =>
    Effect.gen(function*() {
      const transport = NodeTransport.make()
      const fromClient = yield* Deferred.make<string>()
      const address = yield* transport.listen(HOST, 0, ({ socket }) =>
        Effect.gen(function*() {
          const write = yield* socket.writer
          yield* write(new TextEncoder().encode("hello from server"))
          let text = ""
          yield* socket.run((chunk) => {
            text += new TextDecoder().decode(chunk)
            if (text.length >= 17) return Effect.zipRight(Deferred.succeed(fromClient, text), Effect.fail("done" as const))
          }).pipe(Effect.ignore)
        }).pipe(Effect.orDie)
      )
      const socket = yield* transport.dial(NetAddress.fromHost(HOST, address.port)!)
      const write = yield* socket.writer
      let text = ""
      const run = yield* Effect.fork(socket.run((chunk) => void (text += new TextDecoder().decode(chunk))))
      yield* write(new TextEncoder().encode("hello from client"))
      expect(yield* Deferred.await(fromClient)).toBe("hello from client")
      // The server's handler returned: its connection closes, and our run ends with it.
      yield* Fiber.await(run).pipe(Effect.timeout(Duration.seconds(10)))
      expect(text).toBe("hello from server")
    }))
})
