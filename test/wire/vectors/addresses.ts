/**
 * Vectors for address gossip: addr (legacy) and addrv2 (BIP-0155).
 */
import * as Message from "../../../src/wire/Message.js"
import * as ProtocolVersion from "../../../src/wire/ProtocolVersion.js"
import { bytes, type Vector } from "../../support/wire.js"

/** btcd wire/msgaddr_test.go TestAddrWire `multiAddrEncoded`. */
export const ADDR_BTCD_HEX = [
  "02", // two addresses
  "29ab5f49", // time 0x495fab29
  "0100000000000000", // services: NODE_NETWORK
  "00000000000000000000ffff7f000001", // ::ffff:127.0.0.1
  "208d", // port 8333, big-endian
  "29ab5f49", // time 0x495fab29
  "0100000000000000", // services: NODE_NETWORK
  "00000000000000000000ffffc0a80001", // ::ffff:192.168.0.1
  "208e" // port 8334
].join("")

/** The bitcoin wiki's Protocol documentation addr example payload (inside a 31-byte frame). */
export const ADDR_WIKI_PAYLOAD_HEX = [
  "01", // one address
  "e215104d", // time 0x4d1015e2 (2010-12-21)
  "0100000000000000", // services: NODE_NETWORK
  "00000000000000000000ffff0a000001", // ::ffff:10.0.0.1
  "208d" // port 8333
].join("")

/**
 * Bitcoin Core src/test/netbase_tests.cpp `stream_addrv2_hex`: three IPv6
 * entries (all ::1) whose times and service flags exercise CompactSize.
 */
export const ADDRV2_CORE_HEX = [
  "03", // three entries
  "61bc6649", // time 0x4966bc61, Fri Jan 9 02:54:25 UTC 2009
  "00", // services: COMPACTSIZE(NODE_NONE)
  "02", // network id: IPv6
  "10", // address length 16
  "00000000000000000000000000000001", // ::1
  "0000", // port 0
  "79627683", // time 0x83766279, Tue Nov 22 11:22:33 UTC 2039
  "01", // services: COMPACTSIZE(NODE_NETWORK)
  "02", // network id: IPv6
  "10", // address length 16
  "00000000000000000000000000000001", // ::1
  "00f1", // port 241
  "ffffffff", // time 0xffffffff, Sun Feb 7 06:28:15 UTC 2106
  "fd4804", // services: COMPACTSIZE(NODE_WITNESS | NODE_COMPACT_FILTERS | NODE_NETWORK_LIMITED)
  "02", // network id: IPv6
  "10", // address length 16
  "00000000000000000000000000000001", // ::1
  "f1f2" // port 61938
].join("")

/**
 * btcd wire/msgaddrv2_test.go TestAddrV2Decode, "one valid address and one
 * skipped address": IPv4 127.0.0.1 and an IPv6 in the OnionCat range, which
 * btcd skips and this library keeps as the IPv6 address it is.
 */
export const ADDRV2_BTCD_HEX = [
  "02", // two entries
  "00000000", // time 0
  "00", // services: none
  "01", // network id: IPv4
  "04", // address length 4
  "7f000001", // 127.0.0.1
  "2222", // port 8738
  "00000000", // time 0
  "00", // services: none
  "02", // network id: IPv6
  "10", // address length 16
  "fd87d87eeb43fffecc39a8736915ffff", // fd87:d87e:eb43:fffe:cc39:a873:6915:ffff (OnionCat prefix)
  "2222" // port 8738
].join("")

const loopback6 = bytes("00000000000000000000000000000001")

export const addressVectors: ReadonlyArray<Vector> = [
  {
    name: "two IPv4-mapped addresses",
    source: "btcd wire/msgaddr_test.go TestAddrWire",
    command: "addr",
    payload: bytes(ADDR_BTCD_HEX),
    expected: Message.Addr.make({
      addresses: [
        { time: 0x495fab29, services: 1n, network: 1, address: Uint8Array.from([127, 0, 0, 1]), port: 8333 },
        { time: 0x495fab29, services: 1n, network: 1, address: Uint8Array.from([192, 168, 0, 1]), port: 8334 }
      ]
    })
  },
  {
    name: "one address",
    source: "bitcoin wiki Protocol documentation, addr example",
    command: "addr",
    payload: bytes(ADDR_WIKI_PAYLOAD_HEX),
    expected: Message.Addr.make({
      addresses: [{ time: 0x4d1015e2, services: 1n, network: 1, address: Uint8Array.from([10, 0, 0, 1]), port: 8333 }]
    })
  },
  {
    name: "empty",
    source: "btcd wire/msgaddr_test.go TestAddrWire noAddrEncoded",
    command: "addr",
    payload: bytes("00"), // no addresses
    expected: Message.Addr.make({ addresses: [] })
  },
  {
    name: "before protocol 31402 entries carry no time",
    source: "btcd wire/msgaddr_test.go (NetAddressTimeVersion-1 layout)",
    command: "addr",
    payload: bytes(
      "01", // one address
      "0100000000000000", // services: NODE_NETWORK
      "00000000000000000000ffff7f000001", // ::ffff:127.0.0.1
      "208d" // port 8333
    ),
    expected: Message.Addr.make({
      addresses: [{ time: 0, services: 1n, network: 1, address: Uint8Array.from([127, 0, 0, 1]), port: 8333 }]
    }),
    version: ProtocolVersion.ADDR_TIME - 1
  },
  {
    name: "three IPv6 entries",
    source: "Bitcoin Core src/test/netbase_tests.cpp stream_addrv2_hex",
    command: "addrv2",
    payload: bytes(ADDRV2_CORE_HEX),
    expected: Message.AddrV2.make({
      addresses: [
        { time: 0x4966bc61, services: 0n, network: 2, address: loopback6, port: 0 },
        { time: 0x83766279, services: 1n, network: 2, address: loopback6, port: 0xf1 },
        { time: 0xffffffff, services: 0x448n, network: 2, address: loopback6, port: 0xf1f2 }
      ]
    })
  },
  {
    name: "IPv4 and OnionCat-range IPv6",
    source: "btcd wire/msgaddrv2_test.go TestAddrV2Decode",
    command: "addrv2",
    payload: bytes(ADDRV2_BTCD_HEX),
    expected: Message.AddrV2.make({
      addresses: [
        { time: 0, services: 0n, network: 1, address: Uint8Array.from([127, 0, 0, 1]), port: 0x2222 },
        { time: 0, services: 0n, network: 2, address: bytes("fd87d87eeb43fffecc39a8736915ffff"), port: 0x2222 }
      ]
    })
  },
  {
    name: "Tor v3 entry",
    source: "Bitcoin Core src/test/net_tests.cpp cnetaddr_unserialize_v2 (TORv3 address)",
    command: "addrv2",
    payload: bytes(
      "01", // one entry
      "00000000", // time 0
      "09", // services: NODE_NETWORK | NODE_WITNESS
      "04", // network id: TORv3
      "20", // address length 32
      "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f", // ed25519 public key
      "208d" // port 8333
    ),
    expected: Message.AddrV2.make({
      addresses: [{
        time: 0,
        services: 9n,
        network: 4,
        address: bytes("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"),
        port: 8333
      }]
    })
  }
]
