/**
 * A peer that leaves is forgotten by the address relay: no longer advertised
 * to, its schedule no longer stepped. Under this package's registry the
 * relay's plain `disconnected` hook does it (`plainHooks.ts`); under any
 * other registry, a finalizer its `onConnected` puts on the peer's scope.
 * Both are checked: a registry that hides the hooks (handlers passed on as
 * plain `{ onConnected, onMessage }`) makes ours take the second way.
 * In-memory transport, `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as AddressRelay from "../../src/network/AddressRelay.js"
import * as PeerRegistry from "../../src/network/PeerRegistry.js"
import * as Transport from "../../src/network/Transport.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, rawHandshake } from "../support/peer.js"
import { dialRaw, simConfig, START, startNode, type SimNode } from "../support/network.js"

const settle = TestClock.adjust("10 millis")

const inboundRaw = (hub: Transport.MemoryHub, node: SimNode, host: string) =>
  Effect.gen(function*() {
    const raw = yield* makeRaw(yield* dialRaw(hub, node.key, NetAddress.fromHost(host, 6000)!))
    yield* rawHandshake(raw, "inbound")
    return raw
  })

/** The registry the relay is given, passing each handler on without anything but its two members. */
const hidingHooks: Layer.Layer<PeerRegistry.PeerRegistry, never, PeerRegistry.PeerRegistry> = Layer.effect(
  PeerRegistry.PeerRegistry,
  Effect.map(PeerRegistry.PeerRegistry, (registry) => ({
    ...registry,
    addHandler: (h: PeerRegistry.PeerHandler) => registry.addHandler({ onConnected: h.onConnected, onMessage: h.onMessage })
  }))
)

/** Two peers advertised to every minute; one leaves; two minutes on, only the other was advertised to. */
const departed = (runOnConnected: boolean) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(START)
    const hub = Transport.makeHub()
    let steps = 0
    const advertiseSchedule = Schedule.spaced(Duration.minutes(1)).pipe(Schedule.tapOutput(() => Effect.sync(() => void steps++)))
    const config = { targetOutbound: 0, advertiseSchedule }
    const relay = runOnConnected ? AddressRelay.layer(simConfig(1, config)).pipe(Layer.provide(hidingHooks)) : undefined
    const node = yield* startNode(hub, 1, { config, ...(relay === undefined ? {} : { replace: { relay } }) })
    const stays = yield* inboundRaw(hub, node, "127.0.76.1")
    const leaves = yield* inboundRaw(hub, node, "127.0.76.2")
    yield* settle
    // A second on, both newcomers were stepped (first advertisement due a minute after connecting).
    yield* TestClock.adjust(Duration.seconds(1))
    expect(steps).toBe(2)
    yield* leaves.close
    yield* settle
    yield* TestClock.adjust(Duration.minutes(2))
    yield* settle
    const { selfAdvertisements } = yield* Context.get(node.context, AddressRelay.AddressRelay).stats
    expect(selfAdvertisements).toBe(2)
    expect(steps).toBe(4)
    yield* stays.drain
  }).pipe(Effect.withRandom(Random.make("departed")))

describe("AddressRelay: a departed peer", () => {
  it.scoped("is forgotten under this package's registry (the plain disconnected hook)", () => departed(false))
  it.scoped("is forgotten under a registry that runs onConnected (a finalizer on the peer's scope)", () => departed(true))
})
