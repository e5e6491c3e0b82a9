import { describe, expect, it } from "@effect/vitest"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"

describe("ServiceFlags", () => {
  it("have Bitcoin Core's bit values", () => {
    expect([
      ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_BLOOM, ServiceFlags.NODE_WITNESS,
      ServiceFlags.NODE_COMPACT_FILTERS, ServiceFlags.NODE_NETWORK_LIMITED, ServiceFlags.NODE_P2P_V2
    ]).toEqual([1n, 4n, 8n, 64n, 1024n, 2048n])
  })

  it("toNames lists known bits and keeps unknown bits as one hex value", () => {
    expect(ServiceFlags.toNames(0n)).toEqual([])
    expect(ServiceFlags.toNames(0x409n)).toEqual(["NODE_NETWORK", "NODE_WITNESS", "NODE_NETWORK_LIMITED"])
    expect(ServiceFlags.toNames(ServiceFlags.NODE_NETWORK | (1n << 24n))).toEqual(["NODE_NETWORK", "0x1000000"])
    expect(ServiceFlags.toNames((1n << 63n) | (1n << 1n))).toEqual(["0x8000000000000002"])
  })

  it("Bitcoin Cash's NODE_BITCOIN_CASH is bit 5 and is named (BCHN src/protocol.h; every BCHN node sets it, init.cpp)", () => {
    expect(ServiceFlags.NODE_BITCOIN_CASH).toBe(32n)
    expect(ServiceFlags.toNames(0x21n)).toEqual(["NODE_NETWORK", "NODE_BITCOIN_CASH"])
  })

  it("make and has", () => {
    const f = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)
    expect(f).toBe(9n)
    expect(ServiceFlags.has(f, ServiceFlags.NODE_WITNESS)).toBe(true)
    expect(ServiceFlags.has(f, ServiceFlags.NODE_WITNESS | ServiceFlags.NODE_BLOOM)).toBe(false)
    expect(ServiceFlags.make()).toBe(ServiceFlags.NONE)
  })
})
