/**
 * Protocol violations, driven by a hand-written remote over a `MemorySocket`:
 * each ends the peer with the precise reason (and `Peer.make` fails with it
 * when the handshake did not complete), and the peer closes the connection.
 * No timers are involved, so these run under the `TestClock` without moving it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { isMisbehaviour } from "../../src/peer/DisconnectReason.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import type { WireErrorReason } from "../../src/wire/WireError.js"
import {
  connectRaw,
  disconnectOf,
  makeFailure,
  params,
  rawHandshake,
  txInv,
  versionMessage,
  withRaw
} from "../support/peer.js"
import { concat } from "../support/wire.js"

const verack = Message.Verack.make({})
const ping = Message.Ping.make({ nonce: 1n })
const inv = Message.Inv.make({ inventory: [txInv(1)] })

describe("handshake violations end Peer.make with PeerError(Disconnected, reason)", () => {
  it.scoped("a second version before verack → DuplicateVersion", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("outbound")
      yield* raw.expect("Version")
      yield* raw.send(versionMessage({ nonce: raw.nonce }))
      yield* raw.send(versionMessage({ nonce: raw.nonce }))
      const error = yield* makeFailure(make)
      expect(error.reason).toBe("Disconnected")
      const reason = disconnectOf(error)
      expect(reason).toMatchObject({ _tag: "ProtocolViolation", rule: "DuplicateVersion" })
      expect(isMisbehaviour(reason)).toBe(true)
      yield* Deferred.await(raw.closed)
    }))

  it.scoped("verack before version → VerackBeforeVersion (inbound and outbound)", () =>
    Effect.gen(function*() {
      const inbound = yield* withRaw("inbound")
      yield* inbound.raw.send(verack)
      expect(disconnectOf(yield* makeFailure(inbound.make))).toMatchObject({ _tag: "ProtocolViolation", rule: "VerackBeforeVersion" })
      yield* Deferred.await(inbound.raw.closed)
      // the inbound peer never said anything
      expect(yield* inbound.raw.drain).toEqual([])

      const outbound = yield* withRaw("outbound")
      yield* outbound.raw.expect("Version")
      yield* outbound.raw.send(verack)
      expect(disconnectOf(yield* makeFailure(outbound.make))).toMatchObject({ _tag: "ProtocolViolation", rule: "VerackBeforeVersion" })
    }))

  for (const [name, message] of [["ping", ping], ["inv", inv]] as const) {
    it.scoped(`${name} before version (inbound) → MessageBeforeHandshake`, () =>
      Effect.gen(function*() {
        const { make, raw } = yield* withRaw("inbound")
        yield* raw.send(message)
        const reason = disconnectOf(yield* makeFailure(make))
        expect(reason).toMatchObject({ _tag: "ProtocolViolation", rule: "MessageBeforeHandshake" })
        expect(reason._tag === "ProtocolViolation" && reason.detail).toBe(`${name} before version`)
        expect(yield* raw.drain).toEqual([])
      }))

    it.scoped(`${name} after version, before verack → MessageBeforeHandshake`, () =>
      Effect.gen(function*() {
        const { make, raw } = yield* withRaw("outbound")
        yield* raw.expect("Version")
        yield* raw.send(versionMessage({ nonce: raw.nonce }))
        yield* raw.send(message)
        const reason = disconnectOf(yield* makeFailure(make))
        expect(reason).toMatchObject({ _tag: "ProtocolViolation", rule: "MessageBeforeHandshake" })
        expect(reason._tag === "ProtocolViolation" && reason.detail).toBe(`${name} before verack`)
      }))
  }

  it.scoped("a remote version below minProtocolVersion → ObsoleteVersion, and no verack is sent to it", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("outbound", { minProtocolVersion: 70012 })
      yield* raw.expect("Version")
      yield* raw.send(versionMessage({ nonce: raw.nonce, version: 70011 }))
      expect(disconnectOf(yield* makeFailure(make))).toMatchObject({ _tag: "ObsoleteVersion", version: 70011, minimum: 70012 })
      yield* Deferred.await(raw.closed)
      expect(yield* raw.drain).toEqual([])

      // the minimum is config
      const strict = yield* withRaw("inbound", { minProtocolVersion: 70015 })
      yield* strict.raw.send(versionMessage({ nonce: strict.raw.nonce, version: 70014 }))
      expect(disconnectOf(yield* makeFailure(strict.make))).toMatchObject({ _tag: "ObsoleteVersion", version: 70014, minimum: 70015 })
      // ... and exactly the minimum is fine
      const ok = yield* connectRaw("inbound", { minProtocolVersion: 70015 })
      expect(ok.peer.info.negotiatedVersion).toBe(70016)
    }))

  it.scoped("a remote that echoes our own version nonce → SelfConnection", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("outbound")
      const ours = yield* raw.expect("Version")
      yield* raw.send(ours)
      expect(disconnectOf(yield* makeFailure(make))._tag).toBe("SelfConnection")
      yield* Deferred.await(raw.closed)
      expect(yield* raw.drain).toEqual([])
    }))
})

describe("violations after the handshake end the peer", () => {
  it.scoped("messages that arrive after the violation (same read or the next) are not handled or published", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("inbound")
      const invs = yield* peer.subscribe("Inv")
      const magic = ChainParams.regtest.magic
      // One write: a fine inv, a second version (the violation), then an inv and a ping.
      yield* raw.sendBytes(concat(
        Frame.encode(magic, inv),
        Frame.encode(magic, versionMessage({ nonce: raw.nonce })),
        Frame.encode(magic, Message.Inv.make({ inventory: [txInv(2)] }))
      ))
      // and more writes right behind it
      yield* raw.sendBytes(Frame.encode(magic, Message.Ping.make({ nonce: 7n })))
      yield* raw.sendBytes(Frame.encode(magic, Message.Inv.make({ inventory: [txInv(3)] })))
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "ProtocolViolation", rule: "DuplicateVersion" })
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(invs))
      expect(got.map((m) => m.inventory[0]!.hash)).toEqual([txInv(1).hash])
      expect((yield* peer.stats).received["ping"]).toBeUndefined()
      yield* Deferred.await(raw.closed)
      expect((yield* raw.drain).map((r) => r.command)).not.toContain("pong")
    }))

  it.scoped("a second version → DuplicateVersion", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("inbound")
      yield* raw.send(versionMessage({ nonce: raw.nonce }))
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "ProtocolViolation", rule: "DuplicateVersion" })
      yield* Deferred.await(raw.closed)
    }))

  it.scoped("a second verack → DuplicateVerack", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      yield* raw.send(verack)
      expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "ProtocolViolation", rule: "DuplicateVerack" })
    }))

  for (const feature of [Message.WtxidRelay.make({}), Message.SendAddrV2.make({})]) {
    it.scoped(`${feature._tag} after verack → FeatureAfterVerack`, () =>
      Effect.gen(function*() {
        const { peer, raw } = yield* connectRaw("outbound")
        yield* raw.send(feature)
        expect(yield* peer.awaitDisconnect).toMatchObject({ _tag: "ProtocolViolation", rule: "FeatureAfterVerack" })
      }))
  }

  it.scoped("wtxidrelay and sendaddrv2 between version and verack are accepted and recorded", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound")
      yield* raw.send(versionMessage({ nonce: raw.nonce, services: ServiceFlags.NODE_NETWORK }))
      yield* raw.send(Message.WtxidRelay.make({}))
      yield* raw.send(Message.SendAddrV2.make({}))
      yield* raw.nextOf("Verack")
      yield* raw.send(verack)
      const peer = yield* Effect.flatMap(Effect.succeed(make), (f) => f.await).pipe(Effect.flatten)
      const stats = yield* peer.stats
      expect(stats.remoteWantsWtxid).toBe(true)
      expect(stats.remoteWantsAddrV2).toBe(true)
      expect(peer.info.services).toBe(ServiceFlags.NODE_NETWORK)
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))
})

describe("bytes that do not decode → DecodeError with the WireError reason", () => {
  const frame = (m: Message.NetworkMessage) => Frame.encode(params.magic, m)
  const badChecksum = () => {
    const f = frame(ping)
    f[f.length - 1]! ^= 0xff
    return f
  }
  const badCommand = () => {
    const f = frame(ping)
    f[4 + 1] = 0x01 // "p\x01ng"
    return f
  }
  const cases: ReadonlyArray<readonly [string, () => Uint8Array, WireErrorReason]> = [
    // an HTTP request on the P2P port: its "length" field is ASCII, far above the frame cap
    ["garbage (an HTTP request)", () => new TextEncoder().encode("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), "OversizedFrame"],
    ["another network's magic", () => Frame.encode(ChainParams.mainnet.magic, ping), "BadMagic"],
    ["a corrupted checksum", badChecksum, "BadChecksum"],
    ["a command with a control character", badCommand, "BadCommand"],
    ["a payload above the command's cap", () => Frame.encodeRaw(params.magic, "verack", new Uint8Array(1)), "OversizedPayload"],
    ["a payload that ends early", () => Frame.encodeRaw(params.magic, "ping", new Uint8Array(4)), "Truncated"]
  ]

  for (const [name, bytes, expected] of cases) {
    it.scoped(`before the handshake: ${name} → ${expected}`, () =>
      Effect.gen(function*() {
        const { make, raw } = yield* withRaw("inbound")
        yield* raw.sendBytes(bytes())
        const reason = disconnectOf(yield* makeFailure(make))
        expect(reason._tag).toBe("DecodeError")
        expect(reason._tag === "DecodeError" && reason.error.reason).toBe(expected)
        expect(isMisbehaviour(reason)).toBe(true)
        yield* Deferred.await(raw.closed)
      }))
  }

  it.scoped("after the handshake: a corrupted checksum → DecodeError(BadChecksum); what came before it was delivered", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const sub = yield* peer.subscribe("Inv")
      yield* raw.send(inv)
      yield* raw.sendBytes(badChecksum())
      const reason = yield* peer.awaitDisconnect
      expect(reason).toMatchObject({ _tag: "DecodeError", error: { reason: "BadChecksum", command: "ping" } })
      const got = yield* Stream.runCollect(sub)
      expect(Chunk.size(got)).toBe(1)
    }))

  it.scoped("after the handshake: garbage → DecodeError; pending sends fail with it", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("inbound")
      yield* raw.sendBytes(new Uint8Array(24).fill(0xee))
      const reason = yield* peer.awaitDisconnect
      expect(reason._tag).toBe("DecodeError")
      const error = yield* Effect.flip(peer.send(ping))
      expect(disconnectOf(error)._tag).toBe("DecodeError")
    }))
})

describe("unknown commands are not fatal", () => {
  const unknown = (command: string, bytes: ReadonlyArray<number>): Message.NetworkMessage => ({
    _tag: "Unknown",
    command,
    payload: new Uint8Array(bytes)
  })

  it.scoped("before version and between version and verack: the handshake completes", () =>
    Effect.gen(function*() {
      const { make, raw } = yield* withRaw("inbound")
      yield* raw.send(unknown("early", [1, 2, 3]))
      yield* raw.send(versionMessage({ nonce: raw.nonce }))
      yield* raw.send(unknown("between", []))
      yield* raw.nextOf("Verack")
      yield* raw.send(verack)
      const peer = yield* Effect.flatten(make.await)
      const stats = yield* peer.stats
      expect(stats.received["early"]).toEqual({ messages: 1, bytes: 3 })
      expect(stats.received["between"]).toEqual({ messages: 1, bytes: 0 })
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("after the handshake: subscribers get it as Unknown, with command and payload", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const unknowns = yield* peer.subscribe("Unknown")
      yield* raw.send(unknown("sendtxrcncl", [1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9]))
      yield* raw.send(unknown("whatever", []))
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(unknowns, 2)))
      expect(got.map((m) => m.command)).toEqual(["sendtxrcncl", "whatever"])
      expect(Array.from(got[0]!.payload)).toEqual([1, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9])
      // still connected: a ping is answered
      raw.autoPong = false
      yield* raw.send(ping)
      expect((yield* raw.expect("Pong")).nonce).toBe(1n)
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))
})

describe("helpers", () => {
  it.scoped("rawHandshake completes against both directions", () =>
    Effect.gen(function*() {
      for (const direction of ["inbound", "outbound"] as const) {
        const { make, raw } = yield* withRaw(direction)
        const theirs = yield* rawHandshake(raw, direction)
        expect(theirs.userAgent).toBe("/effect-bitcoin-p2p:0.1.0/")
        const peer = yield* Effect.flatten(make.await)
        expect(peer.info.nonce).toBe(raw.nonce)
      }
    }))

  // Over a MemorySocket (no DirectWrite): the effectful draws only. The direct path, where the
  // default Random is Math.random drawn from directly, is tested in versionNonce.test.ts.
  it.scoped("our version nonce is drawn from the fiber's Random: a seeded one repeats it, the default one does not", () =>
    Effect.gen(function*() {
      const nonceUnder = (random: Random.Random | undefined) =>
        Effect.gen(function*() {
          const started = withRaw("outbound")
          const { raw } = yield* (random === undefined ? started : Effect.withRandom(started, random))
          return (yield* raw.expect("Version")).nonce
        })
      expect(yield* nonceUnder(Random.make("seed"))).toBe(yield* nonceUnder(Random.make("seed")))
      expect(yield* nonceUnder(undefined)).not.toBe(yield* nonceUnder(undefined))
    }))
})
