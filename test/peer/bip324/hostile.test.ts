/**
 * A hostile remote against a v2 session: every way to break the transport
 * ends in a typed `V2TransportError` with its reason, at the first byte that
 * proves it, with the messages before it still delivered; lengths are checked
 * before anything is allocated for them; garbage is never buffered past
 * 4095 + 16 bytes; a decoy flood costs nothing but time.
 *
 * The remote is played by hand from the internal building blocks (key pair,
 * ECDH, key derivation, packet cipher), so it can write any packet at all.
 */
import { describe, expect, it } from "@effect/vitest"
import * as V2Transport from "../../../src/peer/V2Transport.js"
import { generateKeyPair, sharedSecret } from "../../../src/internal/peer/v2/ellswift.js"
import { deriveKeys } from "../../../src/internal/peer/v2/hkdf.js"
import { PacketCipher } from "../../../src/internal/peer/v2/packetCipher.js"
import { concat, connectedPair, params } from "./helpers.js"

const EMPTY = new Uint8Array(0)

/** A responder session and a hand-played initiator, after the initiator's key and our key have crossed. */
const keyedResponder = (responderParams: V2Transport.Options["params"] = params) => {
  const responder = V2Transport.make({ initiating: false, params: responderParams })
  const ours = generateKeyPair()
  const reply = responder.receive(ours.ellswift)
  if (reply.error) throw reply.error
  const theirKey = reply.bytesToWrite.subarray(0, 64)
  const keys = deriveKeys(sharedSecret(ours.privateKey, theirKey, ours.ellswift, true), responderParams.magic)
  return { responder, keys, cipher: new PacketCipher(keys, true) }
}

/** The same, past the handshake: `cipher` writes packets the responder reads as application packets. */
const readyResponder = (responderParams: V2Transport.Options["params"] = params) => {
  const r = keyedResponder(responderParams)
  const garbage = Uint8Array.of(1, 2, 3)
  const result = r.responder.receive(concat([garbage, r.keys.initiatorTerminator, r.cipher.encrypt(EMPTY, garbage)]))
  if (result.error) throw result.error
  expect(r.responder.ready).toBe(true)
  return r
}

const ping = Uint8Array.of(18, 1, 2, 3, 4, 5, 6, 7, 8)

describe("garbage terminator", () => {
  it("fails with NoGarbageTerminator at exactly 4095 + 16 bytes without one, and not a byte before", () => {
    const { responder } = keyedResponder()
    const junk = new Uint8Array(4111).fill(0xaa)
    expect(responder.receive(junk.subarray(0, 4110)).error).toBeUndefined()
    expect(responder.receive(junk.subarray(4110)).error?.reason).toBe("NoGarbageTerminator")
  })

  it("fails the same way when the junk comes in one 1 MiB chunk", () => {
    const { responder } = keyedResponder()
    const r = responder.receive(new Uint8Array(1 << 20).fill(0x55))
    expect(r.error?.reason).toBe("NoGarbageTerminator")
    expect(r.messages.length).toBe(0)
  })

  it("finds a terminator after the most garbage allowed", () => {
    const { responder, keys, cipher } = keyedResponder()
    const garbage = new Uint8Array(4095).fill(0x33)
    const r = responder.receive(concat([garbage, keys.initiatorTerminator, cipher.encrypt(EMPTY, garbage)]))
    expect(r.error).toBeUndefined()
    expect(responder.ready).toBe(true)
  })

  it("authenticates the garbage: garbage changed in flight fails the first packet with BadTag", () => {
    const { responder, keys, cipher } = keyedResponder()
    const sent = Uint8Array.of(1, 2, 3)
    const r = responder.receive(concat([Uint8Array.of(1, 2, 4), keys.initiatorTerminator, cipher.encrypt(EMPTY, sent)]))
    expect(r.error?.reason).toBe("BadTag")
  })
})

describe("packets", () => {
  it("a flipped bit in a packet fails with BadTag; the message before it in the same chunk is delivered", () => {
    const { responder, cipher } = readyResponder()
    const good = cipher.encrypt(ping)
    const bad = cipher.encrypt(ping)
    bad[bad.length - 1]! ^= 1
    const r = responder.receive(concat([good, bad]))
    expect(r.messages.map((m) => m.command)).toEqual(["ping"])
    expect(r.error?.reason).toBe("BadTag")
    // The session stays failed.
    expect(responder.receive(cipher.encrypt(ping)).error?.reason).toBe("BadTag")
  })

  it("a replayed packet body fails authentication (BadTag)", () => {
    const { responder, cipher } = readyResponder()
    const first = cipher.encrypt(ping)
    const second = cipher.encrypt(ping)
    expect(responder.receive(first).messages.length).toBe(1)
    // The second packet's own length field, then the first packet's body again.
    const r = responder.receive(concat([second.subarray(0, 3), first.subarray(3)]))
    expect(r.error?.reason).toBe("BadTag")
  })

  it("reordered packets fail authentication (BadTag)", () => {
    const { responder, cipher } = readyResponder()
    const first = cipher.encrypt(ping)
    const second = cipher.encrypt(ping)
    const r = responder.receive(concat([first.subarray(0, 3), second.subarray(3)]))
    expect(r.error?.reason).toBe("BadTag")
  })

  it("a whole packet replayed is refused: its length decrypts under the wrong keystream", () => {
    const pair = connectedPair()
    const packet = pair.initiator.send("ping", new Uint8Array(8))
    expect(pair.responder.receive(packet).messages.length).toBe(1)
    let r = pair.responder.receive(packet)
    // The garbled length is either above the cap at once, or the body fails its tag once it is all there.
    for (let fed = 0; r.error === undefined && fed < 5_000_000; fed += 1 << 16) r = pair.responder.receive(new Uint8Array(1 << 16))
    expect(["BadTag", "OversizedPacket"]).toContain(r.error?.reason)
  })

  it("a length above the cap fails with OversizedPacket from its 3 length bytes alone (nothing waits for or allocates the body)", () => {
    const small = { magic: params.magic, maxMessageSize: 1000 }
    const { responder, cipher } = readyResponder(small)
    // Contents cap: 1 (id) + 12 (long command) + 1000.
    const atCap = cipher.encrypt(new Uint8Array(1013))
    expect(responder.receive(atCap.subarray(0, 3)).error).toBeUndefined()
    const r2 = readyResponder(small)
    const over = r2.cipher.encrypt(new Uint8Array(1014))
    expect(r2.responder.receive(over.subarray(0, 3)).error?.reason).toBe("OversizedPacket")
  })

  it("the largest length the field can carry (16 MiB - 1) is refused at the default 4 MB cap from its 3 bytes", () => {
    const { responder, cipher } = readyResponder()
    const huge = cipher.encrypt(new Uint8Array(0xff_ffff))
    const r = responder.receive(huge.subarray(0, 3))
    expect(r.error?.reason).toBe("OversizedPacket")
    expect(r.error?.detail).toContain(String(0xff_ffff))
  })

  it("an unassigned one-byte message id is dropped and counted, and the session carries on (as Bitcoin Core)", () => {
    const { responder, cipher } = readyResponder()
    const r = responder.receive(cipher.encrypt(Uint8Array.of(200, 1, 2)))
    expect(r.error).toBeUndefined()
    expect(r.messages).toEqual([])
    expect(responder.droppedMessages).toBe(1)
    // The next packet, with a known id (18 = ping), still decodes.
    const next = responder.receive(cipher.encrypt(Uint8Array.of(18, 1, 2, 3, 4, 5, 6, 7, 8)))
    expect(next.error).toBeUndefined()
    expect(next.messages.map((m) => m.command)).toEqual(["ping"])
    expect(responder.droppedMessages).toBe(1)
  })

  it("malformed message types fail with BadMessageType", () => {
    const longForm = (command: Array<number>) => Uint8Array.from([0, ...command, ...new Array(12 - command.length).fill(0)])
    const cases: Array<Uint8Array> = [
      EMPTY, // no type byte at all
      Uint8Array.of(0, 0x61, 0x62), // long form cut short
      longForm([0x61, 0, 0x62]), // not NUL-padded
      longForm([0x61, 0x0a]), // not printable
      longForm([]) // empty command
    ]
    for (const contents of cases) {
      const { responder, cipher } = readyResponder()
      expect(responder.receive(cipher.encrypt(contents)).error?.reason).toBe("BadMessageType")
    }
  })

  it("a decoy flood is dropped: no messages, nothing to write, and the next message arrives", () => {
    const { responder, cipher } = readyResponder()
    for (let batch = 0; batch < 10; batch++) {
      const decoys: Array<Uint8Array> = []
      for (let i = 0; i < 1000; i++) decoys.push(cipher.encrypt(new Uint8Array(i % 300), EMPTY, true))
      const r = responder.receive(concat(decoys))
      expect(r.error).toBeUndefined()
      expect(r.messages.length).toBe(0)
      expect(r.bytesToWrite.length).toBe(0)
    }
    expect(responder.receive(cipher.encrypt(ping)).messages.map((m) => m.command)).toEqual(["ping"])
  })
})

describe("connection closed early", () => {
  it("inside the remote's key: TruncatedKey, for either role", () => {
    const responder = V2Transport.make({ initiating: false, params })
    expect(responder.receive(new Uint8Array(30).fill(1)).error).toBeUndefined()
    expect(responder.end()?.reason).toBe("TruncatedKey")
    const initiator = V2Transport.make({ initiating: true, params })
    expect(initiator.receive(new Uint8Array(63).fill(1)).error).toBeUndefined()
    expect(initiator.end()?.reason).toBe("TruncatedKey")
  })

  it("inside the garbage or a packet: TruncatedPacket; between packets: no failure", () => {
    const { responder } = keyedResponder()
    responder.receive(new Uint8Array(10))
    expect(responder.end()?.reason).toBe("TruncatedPacket")
    const pair = connectedPair()
    const packet = pair.initiator.send("ping", new Uint8Array(8))
    expect(pair.responder.end()).toBeUndefined()
    pair.responder.receive(packet.subarray(0, 10))
    expect(pair.responder.end()?.reason).toBe("TruncatedPacket")
  })
})
