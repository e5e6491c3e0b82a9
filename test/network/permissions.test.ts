import { describe, expect, it } from "@effect/vitest"
import { contains, parseRange } from "../../src/internal/network/permissions.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

const host = (h: string) => NetAddress.parseHost(h)!

describe("noBan ranges", () => {
  it("match addresses and CIDR blocks, IPv4 and IPv6, on bit boundaries", () => {
    const r = parseRange("10.1.128.0/17")!
    expect(contains(r, host("10.1.200.9"))).toBe(true)
    expect(contains(r, host("10.1.127.255"))).toBe(false)
    expect(contains(parseRange("203.0.113.7")!, host("203.0.113.7"))).toBe(true)
    expect(contains(parseRange("203.0.113.7")!, host("203.0.113.8"))).toBe(false)
    expect(contains(parseRange("2001:db8::/32")!, host("2001:db8:1::5"))).toBe(true)
    expect(contains(parseRange("2001:db8::/32")!, host("10.1.200.9"))).toBe(false)
    expect(contains(parseRange("0.0.0.0/0")!, host("8.8.8.8"))).toBe(true)
  })

  it("reject what is not a range, rather than widen a permission", () => {
    for (const bad of ["", "10.0.0.0/33", "10.0.0.0/8/1", "example.com", "10.0.0.0/x", "::/129"]) {
      expect(parseRange(bad), bad).toBeUndefined()
    }
  })
})
