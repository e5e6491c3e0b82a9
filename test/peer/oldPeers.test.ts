/**
 * Old peers: by default a peer accepts what Bitcoin Core accepts (protocol
 * 31800 and up, `MIN_PEER_PROTO_VERSION`) and gates every later feature by
 * the negotiated version, so a scripted remote speaking 70001 or 60002
 * completes the handshake, a ping and getaddr without being sent anything it
 * would not know. In memory, under the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import { rawHandshake, withRaw } from "../support/peer.js"

/** Commands a remote older than each feature must never get from us. */
const NEWER_FEATURES = ["sendheaders", "feefilter", "wtxidrelay", "sendaddrv2", "sendcmpct", "reject"]

const someAddress: NetAddress.TimedNetAddressFields = {
  time: 1_700_000_000,
  services: 1n,
  network: NetAddress.NetworkId.IPv4,
  address: new Uint8Array([203, 0, 113, 5]),
  port: 8333
}

describe("old peers, with the default minimum", () => {
  it("the default floor is Core's MIN_PEER_PROTO_VERSION", () => {
    expect(ProtocolVersion.MIN_DEFAULT).toBe(31800)
  })

  for (const version of [70001, 60002]) {
    for (const direction of ["outbound", "inbound"] as const) {
      it.scoped(`a ${version} remote (${direction}): handshake, ping and getaddr; nothing newer is sent to it`, () =>
        Effect.gen(function*() {
          const { make, raw } = yield* withRaw(direction, { feeFilter: 1000n, announceWtxidRelay: true })
          raw.autoPong = true
          yield* rawHandshake(raw, direction, { version: { version }, sendHeaders: false })
          const peer = yield* Fiber.join(make)
          expect(peer.info.negotiatedVersion).toBe(version)

          const rtt = yield* peer.ping
          expect(rtt).toBeDefined()

          const addrs = yield* peer.subscribe("Addr")
          yield* peer.send(Message.GetAddr.make({}))
          yield* raw.nextOf("GetAddr")
          yield* raw.send(Message.Addr.make({ addresses: [someAddress] }))
          const got = yield* Stream.runHead(addrs)
          expect(got._tag === "Some" && got.value._tag === "Addr" ? got.value.addresses.map((a) => a.port) : []).toEqual([8333])

          const sent = Object.keys((yield* peer.stats).sent)
          expect(sent.filter((c) => NEWER_FEATURES.includes(c))).toEqual([])
          expect(yield* peer.disconnectReason).toBeUndefined()
        }))
    }
  }

  it.scoped("a remote before BIP-0031 (60000): pings keep it alive without a nonce or a wait for pong; peer.ping is Unsupported", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("outbound")
      yield* rawHandshake(raw, "outbound", { version: { version: 60000 }, sendHeaders: false })
      const peer = yield* Fiber.join(make)
      expect((yield* Effect.flip(peer.ping)).reason).toBe("Unsupported")
      // Keep-alive pings, two minutes apart, each empty (no nonce); no PingTimeout 20 minutes on.
      for (let i = 0; i < 11; i++) {
        yield* TestClock.adjust("2 minutes")
        // Something from the remote now and then, so the idle timeout does not end it.
        yield* raw.send(Message.GetAddr.make({}))
      }
      const pings = (yield* peer.stats).sent["ping"]
      expect(pings?.messages).toBeGreaterThanOrEqual(10)
      expect(pings?.bytes).toBe(0)
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("the floor can be raised: a 70001 remote is refused with ObsoleteVersion at minProtocolVersion 70012", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound", { minProtocolVersion: 70012 })
      yield* raw.send(Message.Version.make({
        version: 70001,
        services: 0n,
        timestamp: 0n,
        addrRecv: someAddress,
        addrFrom: someAddress,
        nonce: raw.nonce,
        userAgent: "/old:0.1/",
        startHeight: 0,
        relay: true
      }))
      const error = yield* Effect.flip(Fiber.join(make))
      expect(error.disconnect).toMatchObject({ _tag: "ObsoleteVersion", version: 70001, minimum: 70012 })
    }))
})
