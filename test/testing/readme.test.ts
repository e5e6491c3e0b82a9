/**
 * The example of the README's "Testing your app" section, verbatim but for
 * the import paths: the documented usage must keep working.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Hash } from "../../src/index.js"
import { TestChain, TestPeer } from "../../src/testing/index.js"

it.scoped("syncs headers, and gives up on a peer that stalls", () =>
  Effect.gen(function*() {
    const chain = TestChain.make({ length: 40 })
    const { peer, remote } = yield* TestPeer.connect({ version: { startHeight: chain.height } })
    yield* remote.respond("GetHeaders", chain.answerGetHeaders)
    const { headers } = yield* peer.getHeaders([chain.hashes[0]!])
    expect(headers.length).toBe(40)

    yield* remote.respond("GetHeaders", () => undefined) // now it stalls
    const stalled = yield* Effect.fork(peer.getHeaders([chain.tip]))
    yield* remote.expect("GetHeaders", (m) => Hash.equals(m.locator[0]!, chain.tip))
    yield* TestClock.adjust("91 seconds")
    expect((yield* peer.awaitDisconnect)._tag).toBe("Stall")
    expect((yield* Effect.flip(Fiber.join(stalled))).reason).toBe("Disconnected")
  }))
