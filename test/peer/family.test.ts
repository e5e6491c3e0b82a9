/**
 * Features by family: on a network without segwit (here Dogecoin regtest,
 * which shares Bitcoin regtest's magic, so the raw remote of the conformance
 * helpers can speak to it) the peer never announces NODE_WITNESS and never
 * sends `wtxidrelay`, even when configured to; on Bitcoin it does both.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import { versionMessage, withRaw } from "../support/peer.js"

/** Plays the remote of an outbound handshake; returns our version and what we sent before our verack. */
const handshake = (params: ChainParams.ChainParams) =>
  Effect.gen(function*() {
    const { make, raw } = yield* withRaw("outbound", {
      params,
      protocolVersion: 70016,
      announceWtxidRelay: true,
      services: ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)
    })
    const ours = yield* raw.expect("Version")
    yield* raw.send(versionMessage({ nonce: raw.nonce, version: 70016 }))
    const beforeVerack: Array<Message.Tag> = []
    for (;;) {
      const r = yield* raw.next
      if (r.message._tag === "Verack") break
      beforeVerack.push(r.message._tag)
    }
    yield* raw.send(Message.Verack.make({}))
    yield* Fiber.join(make)
    return { ours, beforeVerack }
  })

describe("features by family", () => {
  it.scoped("no segwit: NODE_WITNESS is not announced and wtxidrelay is not sent", () =>
    Effect.gen(function*() {
      const { beforeVerack, ours } = yield* handshake(ChainParams.dogeRegtest)
      expect(ServiceFlags.has(ours.services, ServiceFlags.NODE_WITNESS)).toBe(false)
      expect(ServiceFlags.has(ours.services, ServiceFlags.NODE_NETWORK)).toBe(true)
      expect(ServiceFlags.has(ours.addrFrom.services, ServiceFlags.NODE_WITNESS)).toBe(false)
      expect(beforeVerack).not.toContain("WtxidRelay")
      expect(beforeVerack).toContain("SendAddrV2")
    }))

  it.scoped("segwit (Bitcoin regtest, same magic): both are sent as configured", () =>
    Effect.gen(function*() {
      const { beforeVerack, ours } = yield* handshake(ChainParams.regtest)
      expect(ServiceFlags.has(ours.services, ServiceFlags.NODE_WITNESS)).toBe(true)
      expect(beforeVerack).toContain("WtxidRelay")
    }))
})
