/**
 * `TestNetwork`: a swarm of real network layers in memory under `TestClock`,
 * which a test can partition, kill, restart, inspect and join with its own
 * program.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as TestNetwork from "../../src/testing/TestNetwork.js"
import * as TestPeer from "../../src/testing/TestPeer.js"

const hostOfRemote = (remote: string) => remote.slice(0, remote.lastIndexOf(":"))
const indexOfRemote = (remote: string) => {
  const [, , hi, lo] = hostOfRemote(remote).split(".").map(Number)
  return (hi! - 1) * 250 + lo! - 1
}

describe("TestNetwork", () => {
  it("seeds each node with its predecessor and, from node 2 on, one earlier node spread over the swarm", () => {
    expect(TestNetwork.defaultSeeds(0)).toEqual([])
    expect(TestNetwork.defaultSeeds(1)).toEqual([0])
    const far = new Set<number>()
    for (let i = 2; i < 100; i++) {
      const [predecessor, spread, ...rest] = TestNetwork.defaultSeeds(i)
      expect(predecessor).toBe(i - 1)
      expect(spread).toBeGreaterThanOrEqual(0)
      expect(spread).toBeLessThan(i - 1)
      expect(rest).toEqual([])
      if (i - spread! > 8) far.add(i)
    }
    // Long links, not ring neighbours: most nodes know one more than 8 places back.
    expect(far.size).toBeGreaterThan(60)
  })

  it.scoped("partitions, heals, kills, restarts and inspects nodes", () =>
    Effect.gen(function*() {
      const net = yield* TestNetwork.make({ nodes: 6 })
      yield* net.advanceUntil("every node at its outbound target", net.atOutboundTarget(), { limit: "1 minute" })
      yield* net.advanceUntil("every node knows every other", net.fullyKnown, { step: "10 seconds", limit: "30 minutes" })
      const nodes = yield* net.nodes
      expect(nodes.map((n) => n.key)).toEqual(nodes.map((n) => `${TestNetwork.hostOf(n.index)}:${TestNetwork.PORT}`))
      for (const n of nodes) {
        const known = yield* n.known
        expect(known.has(n.key)).toBe(false)
        expect(known.size).toBe(5)
      }

      // --- a partition cuts every connection across it and keeps it cut ---
      const left = [0, 1, 2]
      yield* net.partition([left, [3, 4, 5]])
      yield* TestClock.adjust("30 seconds")
      for (const n of yield* net.nodes) {
        const side = left.includes(n.index)
        for (const p of yield* n.peers) expect(left.includes(indexOfRemote(p.remote))).toBe(side)
        expect((yield* n.outbound).length).toBe(2) // all others of its side
      }
      const across = yield* Effect.flip((yield* net.node(0)).connector.connect(TestNetwork.addressOf(5)))
      expect(across._tag).toBe("TransportError")

      // --- healed: slots fill again across the old line ---
      yield* net.heal
      yield* net.advanceUntil("back at target after the partition", net.atOutboundTarget(), { limit: "1 minute" })

      // --- a killed node is gone; its peers notice and replace it ---
      yield* net.kill(2)
      expect((yield* Effect.flip(net.node(2))).reason).toBe("NoSuchNode")
      expect((yield* net.nodes).map((n) => n.index)).toEqual([0, 1, 3, 4, 5])
      const noneOn2 = Effect.map(
        Effect.forEach(yield* net.nodes, (n) => n.peers),
        (all) => all.every((ps) => ps.every((p) => indexOfRemote(p.remote) !== 2))
      )
      yield* net.advanceUntil("nobody connected to the killed node", noneOn2, { limit: "10 seconds" })
      yield* net.advanceUntil("five nodes at target", net.atOutboundTarget(), { limit: "1 minute" })

      // --- restarted at the same address, with the book it had ---
      const back = yield* net.restart(2)
      expect(back.key).toBe(nodes[2]!.key)
      expect((yield* back.known).size).toBe(5)
      yield* net.advanceUntil("the restarted node at target", Effect.map(back.outbound, (o) => o.length === 4), { limit: "1 minute" })
      const fresh = yield* net.restart(2, { freshBook: true })
      // Re-seeded with its seeds (its predecessor and one earlier node), and nothing else.
      expect((yield* fresh.known).has(TestNetwork.hostOf(1) + ":18444")).toBe(true)
      expect(yield* fresh.known).toEqual(new Set(TestNetwork.defaultSeeds(2).map((s) => `${TestNetwork.hostOf(s)}:18444`)))
      expect((yield* fresh.known).size).toBe(TestNetwork.defaultSeeds(2).length)
    }).pipe(Effect.withRandom(Random.make("test-network"))), 180_000)

  it.scoped("runs the user's program as a node of the swarm", () =>
    Effect.gen(function*() {
      const net = yield* TestNetwork.make({ nodes: 4 })
      // The app: takes the first two `inv`s any peer sends it.
      const app = Effect.flatMap(Dispatcher, (d) =>
        d.messages("Inv").pipe(Stream.take(2), Stream.map(({ message }) => message.inventory[0]!.hash[0]!), Stream.runCollect))
      const { fiber, node } = yield* net.join(app, { seeds: [0, 1] })
      expect(node.index).toBe(4)
      yield* net.advanceUntil("the app's node connected", Effect.map(node.outbound, (o) => o.length === 4), { limit: "1 minute" })
      // A swarm node sends to it, and so does a scripted peer dialing in.
      const first = yield* net.node(0)
      const inv = (n: number) => Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: new Uint8Array(32).fill(n) }] })
      const toApp = (yield* first.peers).find((p) => indexOfRemote(p.remote) === 4)!
      expect(yield* first.dispatcher.broadcast(inv(1), (p) => p.id === toApp.id)).toBe(1)
      yield* TestClock.adjust("10 millis")
      const remote = yield* TestPeer.dial(net.hub, node.address, { from: "127.0.9.9" })
      yield* remote.handshake
      yield* remote.send(inv(2))
      yield* TestClock.adjust("10 millis")
      expect(Chunk.toReadonlyArray(yield* Fiber.join(fiber))).toEqual([1, 2])
    }).pipe(Effect.withRandom(Random.make("test-network-join"))), 120_000)

  it.effect("advanceUntilDone runs a program that waits on the clock to its end, or fails NotReached and interrupts it", () =>
    Effect.gen(function*() {
      // A request that gives up after 30 s: alone under TestClock it would wait forever.
      const gaveUp = Effect.as(Effect.sleep("30 seconds"), "gave up")
      expect(yield* TestNetwork.advanceUntilDone("the request", gaveUp, { step: "1 second" })).toBe("gave up")
      // Its failure is the program's own.
      const failing = Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("refused" as const))
      expect(yield* Effect.flip(TestNetwork.advanceUntilDone("the dial", failing))).toBe("refused")
      // Too long: NotReached, and the program does not run on.
      let finished = false
      const tooLong = Effect.zipRight(Effect.sleep("10 minutes"), Effect.sync(() => void (finished = true)))
      const error = yield* Effect.flip(TestNetwork.advanceUntilDone("the crawl", tooLong, { step: "1 minute", limit: "5 minutes" }))
      expect([error._tag, error._tag === "TestNetworkError" ? error.reason : ""]).toEqual(["TestNetworkError", "NotReached"])
      yield* TestClock.adjust("10 minutes")
      expect(finished).toBe(false)
    }))

  it.effect("advanceUntilDone past its limit moves the clock on for the program's cleanup, which may wait on it", () =>
    Effect.gen(function*() {
      // A program that holds a connection, closed with a grace period of 1 s: past the limit it is interrupted,
      // and its finalizer waits 1 s on the clock nobody else moves.
      let closed = false
      const holding = Effect.scoped(Effect.zipRight(
        Effect.addFinalizer(() => Effect.zipRight(Effect.sleep("1 second"), Effect.sync(() => void (closed = true)))),
        Effect.never
      ))
      // Checked in a fiber of its own under a real-time deadline: a regression hangs it rather than failing
      // it, and the test must end all the same (a daemon: the test's fiber does not wait for it).
      const check = yield* Effect.forkDaemon(Effect.flip(TestNetwork.advanceUntilDone("the crawl", holding, { limit: "5 seconds" })))
      const outcome = yield* TestServices.provideLive(Effect.timeout(Fiber.join(check), "20 seconds")).pipe(
        Effect.catchTag("TimeoutException", () => Effect.succeed("hung" as const))
      )
      expect(outcome === "hung" ? outcome : [outcome._tag, outcome.reason]).toEqual(["TestNetworkError", "NotReached"])
      expect(closed).toBe(true)
      // A cleanup that outlasts a second limit is left running, and the error says so.
      const stubborn = Effect.scoped(Effect.zipRight(Effect.addFinalizer(() => Effect.sleep("1 hour")), Effect.never))
      const error = yield* Effect.flip(TestNetwork.advanceUntilDone("the crawl", stubborn, { limit: "5 seconds" }))
      expect(error.message).toContain("had not ended its cleanup")
    }), 60_000) // past the 20 s real-time deadline above, so that a regression fails there, saying "hung"
})
