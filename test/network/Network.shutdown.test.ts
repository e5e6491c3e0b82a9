/**
 * Closing the network layer's scope: with messages queued to a remote that
 * does not read, handshakes in flight both ways, and a `connect` waiting,
 * every fiber and socket ends, every waiter fails with the reason, and the
 * persistent address book is saved. In memory under the `TestClock`, and
 * over loopback TCP with the Node node.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"
import * as Net from "node:net"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { Connector } from "../../src/network/Connector.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Transport from "../../src/network/Transport.js"
import { makeRaw, rawHandshake } from "../support/peer.js"
import { collectEvents, dialRaw, KEY, listenRaw, PORT, START, startNode } from "../support/network.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"

const addr = (host: string, port = PORT) => NetAddress.fromHost(host, port)!

const tempBook = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "ebp2p-shutdown-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Waits on the real clock (the test's `TestClock` does not move by itself). */
const live = <A, E, R>(self: Effect.Effect<A, E, R>, within: Duration.DurationInput = "5 seconds") =>
  TestServices.provideLive(Effect.timeoutFail(self, { duration: within, onTimeout: () => new Error(`not within ${Duration.format(within)}`) }))

/** A fat `inv`: about 36 KB, so a few fill the memory socket and the rest queue up. */
const bigInv = (n: number) =>
  Message.Inv.make({
    inventory: Array.from({ length: 1000 }, (_, i) => ({ type: InvVector.InvType.Tx, hash: Uint8Array.from({ length: 32 }, (_, b) => (n + i + b) & 0xff) }))
  })

/** The typed failure of an exit, or the exit itself (so a mismatch shows what happened). */
const errorOf = <A, E>(exit: Exit.Exit<A, E>): unknown => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : exit

describe("Network shutdown (memory)", () => {
  it.scoped("ends every fiber and socket, fails queued sends and pending connects with Shutdown, saves the book", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const dir = yield* tempBook
      const path = Path.join(dir, "peers.json")
      const hub = Transport.makeHub()
      // A listener that never answers (the dial lands, the handshake hangs) and one whose remote stops reading.
      const silent = yield* listenRaw(hub, "127.0.72.1:18444")
      const deaf = yield* listenRaw(hub, "127.0.73.1:18444")
      const book = AddressBook.layer({ path, allowLocal: true, key: KEY }).pipe(Layer.provide(NodeFileSystem.layer))
      const supervisor = yield* Supervisor.track
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 }, book }).pipe(Effect.supervised(supervisor))

      const learned = Array.from({ length: 10 }, (_, n) => ({ ...addr(`127.0.74.${n + 1}`), time: START / 1000 - 60 }))
      yield* node.book.add(learned, "user")
      yield* node.book.ban(addr("127.0.75.1"), "1 hour", "test")

      // Handshake in flight outbound: connect waits for it.
      const pendingConnect = yield* Effect.fork(node.connector.connect(addr("127.0.72.1")))
      // Handshake in flight inbound: a remote that connected and says nothing.
      const mute = yield* makeRaw(yield* dialRaw(hub, node.key, addr("127.0.76.1", 7000)))
      // A connected peer that stops reading, with sends queued behind the full socket.
      const connecting = yield* Effect.fork(node.connector.connect(addr("127.0.73.1")))
      yield* TestClock.adjust("10 millis")
      const reader = yield* makeRaw((yield* deaf.take).socket)
      yield* rawHandshake(reader, "outbound")
      const peer = yield* Fiber.join(connecting)
      yield* reader.pause
      const sends = yield* Effect.forEach(Array.from({ length: 300 }, (_, n) => n), (n) => Effect.fork(peer.sendAndAwait(bigInv(n))))
      yield* TestClock.adjust("10 millis")
      const waiting = (yield* Effect.forEach(sends, Fiber.poll)).filter(Option.isNone).length
      expect(waiting).toBeGreaterThan(100)
      expect(Option.isNone(yield* Fiber.poll(pendingConnect))).toBe(true)
      expect((yield* supervisor.value).length).toBeGreaterThan(5)

      const closing = yield* Effect.fork(Scope.close(node.scope, Exit.void))
      yield* live(Fiber.join(closing))

      // Every queued send and the pending connect fail, with the reason.
      const sendExits = yield* live(Effect.forEach(sends, Fiber.await), "1 second")
      const failed = sendExits.filter(Exit.isFailure)
      expect(failed.length).toBeGreaterThanOrEqual(waiting)
      for (const exit of failed) {
        expect(errorOf(exit)).toMatchObject({
          _tag: "PeerError",
          reason: "Disconnected",
          disconnect: { _tag: "Shutdown" }
        })
      }
      const connectExit = yield* live(Fiber.await(pendingConnect), "1 second")
      expect(errorOf(connectExit)).toMatchObject({
        _tag: "PeerError",
        disconnect: { _tag: "Shutdown" }
      })

      // Every socket is closed: the three remotes see it, the listener is gone.
      yield* reader.resume
      const hung = yield* makeRaw((yield* silent.take).socket)
      yield* live(Effect.all([Deferred.await(reader.closed), Deferred.await(mute.closed), Deferred.await(hung.closed)]), "1 second")
      expect(hub.listeners.has(node.key)).toBe(false)
      // Every fiber the node started has ended.
      yield* TestClock.adjust("10 millis")
      expect((yield* supervisor.value).map((f) => f.id())).toEqual([])

      // The book was saved on the way out, bans included.
      const reloaded = yield* Effect.scoped(Layer.build(AddressBook.layer({ path, allowLocal: true }).pipe(Layer.provide(NodeFileSystem.layer))))
      const saved = Context.get(reloaded, AddressBook.AddressBook)
      const keys = new Set((yield* saved.entries).map((e) => e.key))
      expect(learned.every((a) => keys.has(NetAddress.toString(a)))).toBe(true)
      expect(yield* saved.isBanned(addr("127.0.75.1"))).toBe(true)
    }).pipe(Effect.withRandom(Random.make("shutdown"))))
})

describe("Network shutdown (TCP)", () => {
  it.scopedLive("closes listener and sockets, including a handshake in flight; the remote sees RemoteClosed; the book is saved", () =>
    Effect.gen(function*() {
      const dir = yield* tempBook
      const path = Path.join(dir, "peers.json")
      // A TCP server that accepts and never says a word.
      const accepted: Array<Net.Socket> = []
      const closedSockets: Array<Net.Socket> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<Net.Server>((resume) => {
          const s = Net.createServer((c) => {
            accepted.push(c)
            c.on("close", () => closedSockets.push(c))
            c.on("error", () => {})
            c.resume() // reads (and ignores) everything, so the end of the stream is seen
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.async<void>((resume) => {
          for (const c of accepted) c.destroy()
          s.close(() => resume(Effect.void))
        })
      )
      const silentPort = (server.address() as Net.AddressInfo).port
      const options = (name: string): NodeNetwork.NodeOptions => ({
        peer: { params: ChainParams.regtest, userAgentName: name },
        listen: { host: "127.0.0.1", port: 0 },
        addressBook: { allowLocal: true },
        targetOutbound: 0,
        retrySchedule: Schedule.spaced(Duration.millis(100))
      })
      const scopeA = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scopeA, Exit.void))
      const a = yield* Layer.buildWithScope(
        NodeNetwork.layer({ ...options("shutdown-a"), addressBookPath: path, manualPeers: [addr("127.0.0.1", silentPort)] }),
        scopeA
      )
      const listenA = Context.get(a, Connector).listenAddress!
      const b = yield* Layer.build(NodeNetwork.layer({ ...options("shutdown-b"), manualPeers: [listenA] }))
      const eventsB = yield* collectEvents({ connector: Context.get(b, Connector) })
      const bookA = Context.get(a, AddressBook.AddressBook)
      // B connected (and advertised itself to A); A's dial to the silent server hangs in its handshake.
      yield* Effect.gen(function*() {
        while (!(eventsB.some((e) => e._tag === "Connected") && accepted.length > 0 && (yield* bookA.size) > 0)) yield* Effect.sleep("20 millis")
      }).pipe(Effect.timeout("5 seconds"))
      expect(accepted.length).toBe(1)
      const learnedKeys = (yield* bookA.entries).map((e) => e.key)

      const started = Date.now()
      yield* Scope.close(scopeA, Exit.void)
      const took = Date.now() - started
      expect(took).toBeLessThan(2000)

      // B sees the remote close; the silent server sees its connection closed; nothing listens any more.
      yield* Effect.gen(function*() {
        while (!(eventsB.some((e) => e._tag === "Disconnected") && closedSockets.length === 1)) yield* Effect.sleep("20 millis")
      }).pipe(Effect.timeout("2 seconds"))
      const gone = eventsB.find((e) => e._tag === "Disconnected")!
      expect(gone).toMatchObject({ remote: NetAddress.toString(listenA), direction: "outbound", banned: false })
      expect(gone._tag === "Disconnected" && gone.reason._tag).toBe("RemoteClosed")
      const refused = yield* Effect.async<boolean>((resume) => {
        const c = Net.createConnection({ host: "127.0.0.1", port: listenA.port })
        c.on("connect", () => { c.destroy(); resume(Effect.succeed(false)) })
        c.on("error", () => resume(Effect.succeed(true)))
      })
      expect(refused).toBe(true)

      const saved = JSON.parse(Fs.readFileSync(path, "utf8")) as { entries: ReadonlyArray<{ address: unknown; port: number }> }
      expect(saved.entries.length).toBe(learnedKeys.length)
      expect(learnedKeys.length).toBeGreaterThan(0)
    }))
})
