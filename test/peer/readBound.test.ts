/**
 * The read bound holds over every kind of socket: at most 4 MiB received and
 * not yet decoded per peer, whether the socket waits for the peer's handler
 * (`NodeTransport`'s), or is a plain `@effect/platform-node` socket that does
 * not (`NodeSocketServer`'s, `NodeSocket.makeNet`'s: the README's example).
 * Before the peer paused plain sockets itself, a 2 s `inv` flood over one
 * buffered ~325 MB.
 *
 * A flooder thread writes `inv(1,000)` frames (and a ping every 20) as fast
 * as loopback takes them; decoding them is slower than loopback, so a
 * backlog forms. Asserted: the peer stays connected (a socket that ignored
 * the bound would end it with `ReadOverflow`), decodes every frame, answers
 * every ping, never holds more than 4 MiB unread, and the process's array
 * buffers grow by a few MB, not by what was sent.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Net from "node:net"
import * as Peer from "../../src/peer/Peer.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import {
  type Accepted,
  flooderThread,
  frame,
  HOST,
  listenPeers,
  loopback,
  MB,
  mb,
  memory,
  nextPeer,
  peerConfig
} from "../support/tcp.js"

const READ_BOUND = 4 * 1024 * 1024

const invOf = (count: number) =>
  Message.Inv.make({
    inventory: Array.from({ length: count }, (_, i) => {
      const hash = new Uint8Array(32)
      new DataView(hash.buffer).setUint32(0, i + 1)
      return { type: InvVector.InvType.Tx, hash }
    })
  })

/** Inbound peers over plain `NodeSocketServer` sockets (no pausing wrapper). */
const listenPlain = (config: ReturnType<typeof peerConfig>) =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<Accepted>()
    const server = yield* NodeSocketServer.make({ host: HOST, port: 0 })
    yield* server.run((socket) =>
      Effect.gen(function*() {
        const peer = yield* Peer.start(socket, { direction: "inbound", remote: loopback(0), config })
        yield* Queue.offer(accepted, { peer, remote: loopback(0) })
        yield* peer.awaitDisconnect
      }).pipe(Effect.scoped)
    ).pipe(Effect.ignore, Effect.forkScoped)
    const address = server.address
    return { port: address._tag === "TcpAddress" ? address.port : 0, accepted }
  })

/**
 * An outbound peer of ours over `NodeSocket.makeNet`, as in the README: the
 * flooder connects to a relay, which accepts it, lets our peer dial a second
 * port and joins the two connections with backpressure (`pipe`).
 */
const listenMakeNet = (config: ReturnType<typeof peerConfig>) =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<Accepted>()
    const conns: Array<Net.Socket> = []
    const target = Net.createServer()
    const relay = Net.createServer()
    yield* Effect.acquireRelease(
      Effect.promise(() =>
        Promise.all([
          new Promise<void>((r) => target.listen(0, HOST, () => r())),
          new Promise<void>((r) => relay.listen(0, HOST, () => r()))
        ])
      ),
      () =>
        Effect.promise(() => {
          for (const c of conns) c.destroy()
          return Promise.all([new Promise((r) => target.close(r)), new Promise((r) => relay.close(r))])
        })
    )
    const targetPort = (target.address() as Net.AddressInfo).port
    const scope = yield* Effect.scope
    relay.on("connection", (fromFlooder) => {
      conns.push(fromFlooder)
      fromFlooder.on("error", () => {})
      target.once("connection", (toPeer) => {
        conns.push(toPeer)
        toPeer.on("error", () => {})
        fromFlooder.pipe(toPeer)
        toPeer.pipe(fromFlooder)
      })
      Effect.runFork(
        Effect.gen(function*() {
          const socket = yield* NodeSocket.makeNet({ host: HOST, port: targetPort })
          const peer = yield* Peer.start(socket, { direction: "outbound", remote: loopback(targetPort), config })
          yield* Queue.offer(accepted, { peer, remote: loopback(targetPort) })
          yield* peer.awaitDisconnect
        }).pipe(Effect.scoped, Effect.ignore, Effect.forkIn(scope))
      )
    })
    return { port: (relay.address() as Net.AddressInfo).port, accepted }
  })

const sockets = [
  { name: "NodeTransport (waits for the handler)", listen: listenPeers },
  { name: "plain NodeSocketServer socket", listen: listenPlain },
  { name: "plain NodeSocket.makeNet (the README's example)", listen: listenMakeNet }
] as const

describe("over loopback TCP: the 4 MiB read bound", () => {
  for (const { name, listen } of sockets) {
    it.scopedLive(
      `${name}: an inv flood for 1.5 s is read at most 4 MiB ahead; the peer keeps up, memory stays bounded`,
      () =>
        Effect.gen(function*() {
          const { port, accepted } = yield* listen(peerConfig())
          const flooder = yield* flooderThread({ port, ms: 1500, pingEvery: 20, inv: frame(invOf(1000)) })
          const { peer } = yield* nextPeer(accepted)
          yield* peer.handshake

          const before = memory()
          let maxUnread = 0
          const sampler = setInterval(() => {
            maxUnread = Math.max(maxUnread, Effect.runSync(peer.stats).unreadBytes)
          }, 2)
          yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))
          let midFlood: ReturnType<typeof memory> | undefined
          const probe = setTimeout(() => {
            midFlood = memory()
          }, 1000)
          yield* Effect.addFinalizer(() => Effect.sync(() => clearTimeout(probe)))

          const sent = yield* flooder.go
          const pongs = yield* flooder.pongs
          clearInterval(sampler)
          const stats = yield* peer.stats
          console.log(
            `read bound, ${name}: ${sent.frames} inv = ${mb(sent.bytes)} in ${sent.ms} ms; most unread seen ${(maxUnread / 1024).toFixed(0)} KiB; ` +
              `arrayBuffers ${mb(before.arrayBuffers)} → ${mb(midFlood?.arrayBuffers ?? NaN)} mid-flood`
          )

          expect(yield* peer.disconnectReason).toBeUndefined()
          expect(pongs).toBe(sent.pings)
          expect(stats.received["inv"]?.messages).toBe(sent.frames)
          expect(maxUnread).toBeLessThanOrEqual(READ_BOUND)
          expect(midFlood).toBeDefined()
          // Unread socket chunks are array buffers: without the bound they pile up here (~160 MB/s).
          expect(midFlood!.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * MB)
        }),
      30_000
    )
  }
})
