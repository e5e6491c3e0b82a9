import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { bytes, toHex } from "../support/wire.js"

const { NetworkId } = NetAddress

/** Tor v3 address and key from Bitcoin Core src/test/net_tests.cpp (cnetaddr_basic / serialize_v2). */
const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
const ONION_KEY = "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"
/** I2P address and hash from Bitcoin Core src/test/net_tests.cpp (cnetaddr_basic / serialize_v2). */
const I2P = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p"
const I2P_HASH = "a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87"

const host = (s: string) => {
  const parsed = NetAddress.parseHost(s)
  return parsed === undefined ? undefined : { network: parsed.network, hex: toHex(parsed.address) }
}

describe("BIP-0155 network ids", () => {
  it("are the BIP's table: id and address length per network, 512 bytes at most", () => {
    expect(Object.entries(NetAddress.NetworkId).map(([name, id]) => [name, id, NetAddress.addressLength[id]])).toEqual([
      ["IPv4", 1, 4],
      ["IPv6", 2, 16],
      ["TorV2", 3, 10],
      ["TorV3", 4, 32],
      ["I2P", 5, 32],
      ["CJDNS", 6, 16]
    ])
    expect(NetAddress.MAX_ADDRV2_ADDRESS).toBe(512)
  })
})

describe("IPv4", () => {
  it("parses dotted quads and prints them back", () => {
    expect(host("1.2.3.4")).toEqual({ network: NetworkId.IPv4, hex: "01020304" })
    expect(host("255.255.255.255")).toEqual({ network: NetworkId.IPv4, hex: "ffffffff" })
    expect(NetAddress.toString({ network: NetworkId.IPv4, address: Uint8Array.from([1, 2, 3, 4]), port: 8333 })).toBe("1.2.3.4:8333")
  })

  it("rejects malformed quads", () => {
    for (const bad of ["1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "a.b.c.d", "1..2.3", ""]) {
      expect(NetAddress.parseHost(bad), bad).toBeUndefined()
    }
  })
})

describe("IPv6", () => {
  it("prints RFC 5952 form: lowercase, longest zero run compressed, first on a tie", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
      ["0:0:0:0:0:0:0:0", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["fe80::1:2", "fe80::1:2"]
    ]
    for (const [input, printed] of cases) {
      const parsed = NetAddress.parseHost(input)
      expect(parsed?.network, input).toBe(NetworkId.IPv6)
      expect(NetAddress.hostToString(parsed!), input).toBe(printed)
      expect(host(printed)).toEqual(host(input))
    }
  })

  it("reads an IPv4-mapped address as IPv4", () => {
    expect(host("::ffff:1.2.3.4")).toEqual({ network: NetworkId.IPv4, hex: "01020304" })
    expect(host("::ffff:0102:0304")).toEqual({ network: NetworkId.IPv4, hex: "01020304" })
    expect(host("[::ffff:10.0.0.1]")).toEqual({ network: NetworkId.IPv4, hex: "0a000001" })
  })

  it("accepts brackets and prints IPv6 in brackets with its port", () => {
    expect(host("[2001:db8::1]")).toEqual(host("2001:db8::1"))
    const a = NetAddress.fromHost("2001:db8::1", 8333)!
    expect(a).toEqual({ services: 0n, network: NetworkId.IPv6, address: bytes("20010db8000000000000000000000001"), port: 8333 })
    expect(NetAddress.toString(a)).toBe("[2001:db8::1]:8333")
  })

  it("reports fc00::/8 as CJDNS, printed like IPv6", () => {
    const parsed = NetAddress.parseHost("fc00:1::2")
    expect(parsed?.network).toBe(NetworkId.CJDNS)
    expect(NetAddress.toString({ ...parsed!, port: 1 })).toBe("[fc00:1::2]:1")
  })

  it("rejects malformed addresses", () => {
    for (const bad of ["1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::", "g::1", "1:2:3:4:5:6:7", "::ffff:1.2.3"]) {
      expect(NetAddress.parseHost(bad), bad).toBeUndefined()
    }
  })

  it("parse and print round trip for any 16 bytes outside the IPv4-mapped and CJDNS ranges", () => {
    const arb = FastCheck.uint8Array({ minLength: 16, maxLength: 16 }).filter((b) =>
      b[0] !== 0xfc && !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    )
    FastCheck.assert(
      FastCheck.property(arb, (address) => {
        const printed = NetAddress.hostToString({ network: NetworkId.IPv6, address })
        expect(NetAddress.parseHost(printed)).toEqual({ network: NetworkId.IPv6, address })
      }),
      { numRuns: 300 }
    )
  })
})

describe("Tor v3", () => {
  it("parses Bitcoin Core's onion address to its key and prints it back", () => {
    expect(host(ONION)).toEqual({ network: NetworkId.TorV3, hex: ONION_KEY })
    expect(host(ONION.toUpperCase())).toEqual({ network: NetworkId.TorV3, hex: ONION_KEY })
    expect(NetAddress.hostToString({ network: NetworkId.TorV3, address: bytes(ONION_KEY) })).toBe(ONION)
    expect(NetAddress.toString({ network: NetworkId.TorV3, address: bytes(ONION_KEY), port: 8333 })).toBe(`${ONION}:8333`)
  })

  it("rejects a wrong checksum, version or length", () => {
    // Changing one character of the key leaves the checksum wrong.
    const changedKey = (ONION[0] === "a" ? "b" : "a") + ONION.slice(1)
    expect(NetAddress.parseHost(changedKey)).toBeUndefined()
    // The two checksum bytes sit at characters 51..54 of the 56.
    const changedSum = ONION.slice(0, 52) + (ONION[52] === "a" ? "b" : "a") + ONION.slice(53)
    expect(NetAddress.parseHost(changedSum)).toBeUndefined()
    // The last character holds the version (3).
    expect(NetAddress.parseHost(ONION.slice(0, 55) + "a.onion")).toBeUndefined()
    expect(NetAddress.parseHost(ONION.slice(1))).toBeUndefined()
    expect(NetAddress.parseHost("expyuzz4wqqyqhjn.onion")).toBeUndefined() // Tor v2 is gone
    expect(NetAddress.parseHost(ONION.replace("p", "1"))).toBeUndefined() // not base32
  })

  it("any key round trips through its onion address", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const printed = NetAddress.hostToString({ network: NetworkId.TorV3, address: key })
        expect(printed).toMatch(/^[a-z2-7]{55}d\.onion$/)
        expect(NetAddress.parseHost(printed)).toEqual({ network: NetworkId.TorV3, address: key })
      }),
      { numRuns: 100 }
    )
  })
})

describe("I2P", () => {
  it("parses Bitcoin Core's .b32.i2p address to its hash and prints it back", () => {
    expect(host(I2P)).toEqual({ network: NetworkId.I2P, hex: I2P_HASH })
    expect(NetAddress.hostToString({ network: NetworkId.I2P, address: bytes(I2P_HASH) })).toBe(I2P)
    expect(NetAddress.toString({ network: NetworkId.I2P, address: bytes(I2P_HASH), port: 0 })).toBe(`${I2P}:0`)
  })

  it("rejects a wrong length", () => {
    expect(NetAddress.parseHost(I2P.slice(1))).toBeUndefined()
    expect(NetAddress.parseHost("a" + I2P)).toBeUndefined()
  })
})

describe("other hosts", () => {
  it("prints a network it does not know as net<id>:<hex>", () => {
    expect(NetAddress.hostToString({ network: 42, address: bytes("abcdef") })).toBe("net42:abcdef")
    expect(NetAddress.hostToString({ network: NetworkId.IPv4, address: bytes("0102") })).toBe("net1:0102")
  })

  it("does not resolve names", () => {
    expect(NetAddress.parseHost("seed.bitcoin.sipa.be")).toBeUndefined()
    expect(NetAddress.fromHost("localhost", 8333)).toBeUndefined()
  })
})
