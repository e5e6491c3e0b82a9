import { describe, expect, it } from "@effect/vitest"
import * as AddressBook from "../../src/network/AddressBook.js"
import { parseHostPort } from "../../src/internal/addressBook/netGroup.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

const host = (text: string, port = 8333): AddressBook.AddressLike => {
  const a = NetAddress.fromHost(text, port)
  if (a === undefined) throw new Error(`bad host ${text}`)
  return a
}

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

describe("netGroup", () => {
  it("IPv4 by /16, IPv6 by /32", () => {
    expect(AddressBook.netGroup(host("1.2.3.4"))).toBe("ipv4:1.2")
    expect(AddressBook.netGroup(host("1.2.200.9"))).toBe("ipv4:1.2")
    expect(AddressBook.netGroup(host("1.3.3.4"))).not.toBe(AddressBook.netGroup(host("1.2.3.4")))
    expect(AddressBook.netGroup(host("2a01:4f8:1:2::1"))).toBe("ipv6:2a01:4f8")
    expect(AddressBook.netGroup(host("2a01:4f8:ffff::1"))).toBe("ipv6:2a01:4f8")
    expect(AddressBook.netGroup(host("2a01:4f9::1"))).toBe("ipv6:2a01:4f9")
  })

  it("6to4 and Teredo group by their IPv4; Hurricane Electric by /36", () => {
    expect(AddressBook.netGroup(host("2002:102:304::1"))).toBe("ipv4:1.2")
    // Teredo carries the client's IPv4 inverted in the last 32 bits: ~1.2.3.4.
    expect(AddressBook.netGroup(host("2001:0:4136:e378:8000:63bf:fefd:fcfb"))).toBe("ipv4:1.2")
    expect(AddressBook.netGroup(host("2001:470:1000::1"))).toBe("ipv6:2001:470:1")
    expect(AddressBook.netGroup(host("2001:470:2000::1"))).toBe("ipv6:2001:470:2")
  })

  it("Tor, I2P and CJDNS get per-network groups on 4 key bits", () => {
    const onion = host(ONION)
    expect(onion.network).toBe(NetAddress.NetworkId.TorV3)
    expect(AddressBook.netGroup(onion)).toMatch(/^tor:[0-9a-f]$/)
    const i2p = { network: NetAddress.NetworkId.I2P, address: new Uint8Array(32).fill(0xab), port: 0 }
    expect(AddressBook.netGroup(i2p)).toBe("i2p:a")
    expect(AddressBook.netGroup(host("fc12:3456::1"))).toBe("cjdns:1")
    expect(AddressBook.isRoutable(onion) && AddressBook.isRoutable(i2p) && AddressBook.isRoutable(host("fc12:3456::1"))).toBe(true)
  })

  it("local and unroutable addresses have their own, distinct groups", () => {
    expect(AddressBook.netGroup(host("127.0.0.1", 18444))).toBe("local:127.0.0.1:18444")
    expect(AddressBook.netGroup(host("127.0.0.1", 18445))).toBe("local:127.0.0.1:18445")
    expect(AddressBook.netGroup(host("::1"))).toBe("local:[::1]:8333")
    expect(AddressBook.netGroup(host("192.168.1.7"))).toBe("unroutable:192.168.1.7")
    expect(AddressBook.netGroup(host("0.0.0.0"))).toBe("invalid")
  })
})

describe("isRoutable / isValid", () => {
  it("rejects private, loopback, link-local, documentation, shared, multicast ranges", () => {
    for (const h of ["10.1.2.3", "172.16.0.1", "172.31.255.1", "192.168.0.1", "127.0.0.1", "169.254.1.1", "100.64.0.1",
      "198.18.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fd00::1",
      "2001:10::1", "2001:20::1", "ff02::1"]) {
      expect(AddressBook.isRoutable(host(h)), h).toBe(false)
    }
    for (const h of ["1.2.3.4", "172.32.0.1", "100.128.0.1", "8.8.8.8", "2a00:1450::1"]) {
      expect(AddressBook.isRoutable(host(h)), h).toBe(true)
    }
  })

  it("invalid: unspecified, broadcast, documentation IPv6, port 0 (except I2P), wrong lengths, unknown networks", () => {
    expect(AddressBook.isValid(host("0.0.0.0"))).toBe(false)
    expect(AddressBook.isValid(host("255.255.255.255"))).toBe(false)
    expect(AddressBook.isValid(host("::"))).toBe(false)
    expect(AddressBook.isValid(host("2001:db8::1"))).toBe(false)
    expect(AddressBook.isValid(host("1.2.3.4", 0))).toBe(false)
    expect(AddressBook.isValid({ network: 5, address: new Uint8Array(32), port: 0 })).toBe(true)
    expect(AddressBook.isValid({ network: 1, address: new Uint8Array(5), port: 1 })).toBe(false)
    expect(AddressBook.isValid({ network: 3, address: new Uint8Array(10), port: 1 })).toBe(false)
    expect(AddressBook.isValid({ network: 42, address: new Uint8Array(7), port: 1 })).toBe(false)
  })
})

describe("parseHostPort", () => {
  it("reads host:port, [ipv6]:port, bare hosts with a default port, and refuses the rest", () => {
    expect(parseHostPort("1.2.3.4:8333")).toMatchObject({ network: 1, port: 8333 })
    expect(parseHostPort("[2a00:1450::1]:18333")).toMatchObject({ network: 2, port: 18333 })
    expect(parseHostPort("2a00:1450::1", 8333)).toMatchObject({ network: 2, port: 8333 })
    expect(parseHostPort("1.2.3.4", 18444)).toMatchObject({ port: 18444 })
    expect(parseHostPort(`${ONION}:9050`)).toMatchObject({ network: 4, port: 9050 })
    expect(parseHostPort("1.2.3.4")).toBeUndefined()
    expect(parseHostPort("example.com:8333")).toBeUndefined()
    expect(parseHostPort("1.2.3.4:99999")).toBeUndefined()
    expect(parseHostPort("[::1:8333")).toBeUndefined()
  })
})
