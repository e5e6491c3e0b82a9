/**
 * The sans-I/O SOCKS5 client (src/internal/network/socks5.ts), byte by byte:
 * the requests we send (RFC 1928 §3–§5, RFC 1929 §2) and what we make of each
 * reply the proxy can send, including split replies, every reply code, and
 * bytes behind the reply (a Bitcoin node may speak first).
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Socks5 from "../../src/internal/network/socks5.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ""), "hex"))
const ascii = (s: string) => Buffer.from(s, "ascii").toString("hex")

// Bitcoin Core's own test vectors for the two text forms (src/test/netbase_tests.cpp).
const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
const I2P = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p"

const loopback: Socks5.Destination = { _tag: "IPv4", address: Uint8Array.of(127, 0, 0, 1) }

/** Runs a negotiation to its end, feeding `replies` in order; returns what we wrote and the final step. */
const run = (destination: Socks5.Destination, port: number, credentials: Socks5.Credentials | undefined, replies: ReadonlyArray<Uint8Array>) => {
  const begin = Socks5.start(destination, port, credentials)!
  const written = [hex(begin.write)]
  let state = begin.state
  for (const reply of replies) {
    const step = Socks5.receive(state, reply)
    if (step._tag !== "Continue") return { written, step }
    state = step.state
    if (step.write !== undefined) written.push(hex(step.write))
  }
  return { written, step: { _tag: "Continue" as const } }
}

describe("SOCKS5 requests", () => {
  it("greets with no-auth only, or no-auth and username/password when we have credentials", () => {
    expect(hex(Socks5.encodeGreeting(false))).toBe("050100")
    expect(hex(Socks5.encodeGreeting(true))).toBe("05020002")
  })

  it("encodes RFC 1929 credentials as version 1, length-prefixed username and password", () => {
    expect(hex(Socks5.encodeCredentials({ username: "user", password: "pass" })!)).toBe("01" + "04" + ascii("user") + "04" + ascii("pass"))
    expect(hex(Socks5.encodeCredentials({ username: "é", password: "x".repeat(255) })!)).toBe("01" + "02" + "c3a9" + "ff" + ascii("x".repeat(255)))
    expect(Socks5.encodeCredentials({ username: "", password: "p" })).toBeUndefined()
    expect(Socks5.encodeCredentials({ username: "u", password: "x".repeat(256) })).toBeUndefined()
  })

  it("encodes CONNECT by IPv4, IPv6 and name, port big-endian", () => {
    expect(hex(Socks5.encodeConnect(loopback, 18444)!)).toBe("05010001" + "7f000001" + "480c")
    const v6 = NetAddress.parseHost("2001:db8::1")!
    expect(hex(Socks5.encodeConnect({ _tag: "IPv6", address: v6.address }, 8333)!))
      .toBe("05010004" + "20010db8000000000000000000000001" + "208d")
    expect(hex(Socks5.encodeConnect({ _tag: "Name", name: "seed.example" }, 65535)!))
      .toBe("05010003" + "0c" + ascii("seed.example") + "ffff")
    expect(Socks5.encodeConnect({ _tag: "Name", name: "" }, 1)).toBeUndefined()
    expect(Socks5.encodeConnect({ _tag: "Name", name: "a".repeat(256) }, 1)).toBeUndefined()
    expect(Socks5.encodeConnect({ _tag: "Name", name: "a".repeat(255) }, 1)!.length).toBe(4 + 1 + 255 + 2)
  })

  it("asks for Tor v3 and I2P addresses by name, IPv4 and IPv6 by address, and refuses CJDNS", () => {
    const onion = NetAddress.parseHost(ONION)!
    const i2p = NetAddress.parseHost(I2P)!
    expect(Socks5.destinationOf(onion)).toEqual({ _tag: "Name", name: ONION })
    expect(Socks5.destinationOf(i2p)).toEqual({ _tag: "Name", name: I2P })
    expect(hex(Socks5.encodeConnect(Socks5.destinationOf(onion)!, 8333)!)).toBe("05010003" + "3e" + ascii(ONION) + "208d")
    expect(hex(Socks5.encodeConnect(Socks5.destinationOf(i2p)!, 0)!)).toBe("05010003" + "3c" + ascii(I2P) + "0000")
    expect(Socks5.destinationOf(NetAddress.parseHost("10.1.2.3")!)).toEqual({ _tag: "IPv4", address: Uint8Array.of(10, 1, 2, 3) })
    expect(Socks5.destinationOf(NetAddress.parseHost("::1")!)?._tag).toBe("IPv6")
    expect(Socks5.destinationOf(NetAddress.parseHost("fc00::1")!)).toBeUndefined()
  })
})

describe("SOCKS5 negotiation", () => {
  it("without credentials: greeting, CONNECT, open", () => {
    const r = run(loopback, 18444, undefined, [bytes("0500"), bytes("05000001 7f000001 480c")])
    expect(r.written).toEqual(["050100", "05010001" + "7f000001" + "480c"])
    expect(r.step).toEqual({ _tag: "Open", rest: new Uint8Array(0) })
  })

  it("with credentials: greeting, username/password, CONNECT, open", () => {
    const r = run(loopback, 1, { username: "u", password: "p" }, [bytes("0502"), bytes("0100"), bytes("05000001 00000000 0000")])
    expect(r.written).toEqual(["05020002", "01" + "01" + ascii("u") + "01" + ascii("p"), "05010001" + "7f000001" + "0001"])
    expect(r.step._tag).toBe("Open")
  })

  it("with credentials, a proxy that needs none skips authentication", () => {
    const r = run(loopback, 1, { username: "u", password: "p" }, [bytes("0500"), bytes("05000001 00000000 0000")])
    expect(r.written).toEqual(["05020002", "05010001" + "7f000001" + "0001"])
    expect(r.step._tag).toBe("Open")
  })

  it("keeps the bytes behind the reply: the peer's first message", () => {
    const r = run(loopback, 1, undefined, [bytes("0500"), bytes("05000003 09") , bytes(ascii("localhost") + "1f90 fabfb5da")])
    expect(r.step).toEqual({ _tag: "Open", rest: bytes("fabfb5da") })
  })

  it("opens whatever way the reply is split, bound address of any type", () => {
    const replies = [
      "05000001 0a000001 1f90",
      "05000004 00000000000000000000000000000001 1f90",
      "05000003 03 616263 1f90"
    ]
    fc.assert(fc.property(fc.constantFrom(...replies), fc.array(fc.nat(), { maxLength: 6 }), (reply, cuts) => {
      const all = bytes(reply.replace(/\s/g, "") + "aa")
      // Cuts inside the reply; the byte behind it comes with the reply's last byte.
      const points = [...new Set(cuts.map((c) => c % (all.length - 1)))].sort((a, b) => a - b)
      const chunks = [0, ...points, all.length].slice(1).map((end, i, ends) => all.subarray(i === 0 ? 0 : ends[i - 1]!, end))
      const r = run(loopback, 1, undefined, [bytes("0500"), ...chunks.filter((c) => c.length > 0)])
      expect(r.step).toEqual({ _tag: "Open", rest: Uint8Array.of(0xaa) })
    }))
  })

  it("each CONNECT reply code is its own reason, known as soon as the code arrives", () => {
    const expected: Array<[number, Socks5.Socks5Error["reason"]]> = [
      [1, "GeneralFailure"],
      [2, "NotAllowed"],
      [3, "NetworkUnreachable"],
      [4, "HostUnreachable"],
      [5, "ConnectionRefused"],
      [6, "TtlExpired"],
      [7, "CommandNotSupported"],
      [8, "AddressTypeNotSupported"],
      [9, "UnknownReply"],
      [0xf3, "UnknownReply"]
    ]
    for (const [code, reason] of expected) {
      const r = run(loopback, 1, undefined, [bytes("0500"), Uint8Array.of(5, code)])
      expect(r.step).toEqual({ _tag: "Failed", reason, code })
    }
  })

  it("rejects a proxy that is not SOCKS5, refuses our methods, or fails authentication", () => {
    expect(run(loopback, 1, undefined, [bytes("04")]).step).toEqual({ _tag: "Failed", reason: "BadVersion", code: 4 })
    expect(run(loopback, 1, undefined, [bytes("48545450")]).step).toEqual({ _tag: "Failed", reason: "BadVersion", code: 0x48 })
    expect(run(loopback, 1, undefined, [bytes("05ff")]).step).toEqual({ _tag: "Failed", reason: "NoAcceptableMethod", code: 0xff })
    // Username/password chosen though we offered no credentials.
    expect(run(loopback, 1, undefined, [bytes("0502")]).step).toEqual({ _tag: "Failed", reason: "NoAcceptableMethod", code: 2 })
    const creds = { username: "u", password: "wrong" }
    expect(run(loopback, 1, creds, [bytes("0502"), bytes("0101")]).step).toEqual({ _tag: "Failed", reason: "AuthFailed", code: 1 })
    expect(run(loopback, 1, creds, [bytes("0502"), bytes("0500")]).step).toEqual({ _tag: "Failed", reason: "BadVersion", code: 5 })
    expect(run(loopback, 1, undefined, [bytes("0500"), bytes("0400")]).step).toEqual({ _tag: "Failed", reason: "BadVersion", code: 4 })
  })

  it("rejects malformed replies: reserved byte set, unknown address type, bytes before our next request", () => {
    expect(run(loopback, 1, undefined, [bytes("0500"), bytes("05000101")]).step._tag).toBe("Continue")
    expect(run(loopback, 1, undefined, [bytes("0500"), bytes("0500010100")]).step).toEqual({ _tag: "Failed", reason: "MalformedReply" })
    expect(run(loopback, 1, undefined, [bytes("0500"), bytes("0500000200")]).step).toEqual({ _tag: "Failed", reason: "MalformedReply", code: 2 })
    expect(run(loopback, 1, undefined, [bytes("050005")]).step).toEqual({ _tag: "Failed", reason: "MalformedReply" })
  })

  it("waits for a partial reply without failing, and never buffers more than the longest reply", () => {
    const r = run(loopback, 1, undefined, [bytes("0500"), bytes("05000003ff"), new Uint8Array(200)])
    expect(r.step._tag).toBe("Continue")
    expect(Socks5.MAX_REPLY).toBe(262)
  })

  it("refuses requests SOCKS5 cannot carry", () => {
    expect(Socks5.start({ _tag: "Name", name: "x".repeat(256) }, 1, undefined)).toBeUndefined()
    expect(Socks5.start(loopback, 1, { username: "", password: "" })).toBeUndefined()
  })
})
