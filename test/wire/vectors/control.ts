/**
 * Vectors for the handshake and control messages: version, verack, ping,
 * pong, getaddr, sendaddrv2, wtxidrelay, sendheaders, sendcmpct, feefilter,
 * mempool, reject.
 */
import * as Message from "../../../src/wire/Message.js"
import * as ProtocolVersion from "../../../src/wire/ProtocolVersion.js"
import { bytes, type Vector } from "../../support/wire.js"
import { MAINNET_GENESIS_HASH, MAINNET_GENESIS_HASH_HEX } from "./fixtures.js"

/** btcd wire/msgversion_test.go `baseVersionBIP0037Encoded` (protocol 70001, relay set). */
export const VERSION_BIP37_HEX = [
  "71110100", // protocol version 70001
  "0100000000000000", // services: NODE_NETWORK
  "29ab5f4900000000", // timestamp 0x495fab29
  // addr_recv (no time in version)
  "0100000000000000", // services: NODE_NETWORK
  "00000000000000000000ffffc0a80001", // ::ffff:192.168.0.1
  "208d", // port 8333, big-endian
  // addr_from
  "0100000000000000", // services: NODE_NETWORK
  "00000000000000000000ffff7f000001", // ::ffff:127.0.0.1
  "208d", // port 8333
  "f3e0010000000000", // nonce 123123
  "10", // user agent length 16
  "2f6463726474657374", "3a302e302e312f", // "/dcrdtest:0.0.1/"
  "fa920300", // start height 234234
  "01" // relay
].join("")

/**
 * The version payload of the bitcoin wiki's Protocol documentation example
 * (protocol 60002, "/Satoshi:0.7.2/", no relay flag).
 */
export const VERSION_WIKI_PAYLOAD_HEX = [
  "62ea0000", // protocol version 60002
  "0100000000000000", // services: NODE_NETWORK
  "11b2d05000000000", // timestamp 0x50d0b211 (2012-12-18)
  "0100000000000000", "00000000000000000000ffff00000000", "0000", // addr_recv ::ffff:0.0.0.0 port 0
  "0000000000000000", "00000000000000000000ffff00000000", "0000", // addr_from ::ffff:0.0.0.0 port 0
  "3b2eb35d8ce61765", // nonce 0x6517e68c5db32e3b
  "0f", "2f5361746f7368693a302e372e322f", // "/Satoshi:0.7.2/"
  "c03e0300" // start height 212672
].join("")

const ipv4 = (a: number, b: number, c: number, d: number) => Uint8Array.from([a, b, c, d])

export const versionBip37 = Message.Version.make({
  version: 70001,
  services: 1n,
  timestamp: 0x495fab29n,
  addrRecv: { services: 1n, network: 1, address: ipv4(192, 168, 0, 1), port: 8333 },
  addrFrom: { services: 1n, network: 1, address: ipv4(127, 0, 0, 1), port: 8333 },
  nonce: 123123n,
  userAgent: "/dcrdtest:0.0.1/",
  startHeight: 234234,
  relay: true
})

export const versionWiki = Message.Version.make({
  version: 60002,
  services: 1n,
  timestamp: 0x50d0b211n,
  addrRecv: { services: 1n, network: 1, address: ipv4(0, 0, 0, 0), port: 0 },
  addrFrom: { services: 0n, network: 1, address: ipv4(0, 0, 0, 0), port: 0 },
  nonce: 0x6517e68c5db32e3bn,
  userAgent: "/Satoshi:0.7.2/",
  startHeight: 212672,
  // Absent before BIP-0037: a node that does not send it relays.
  relay: true
})

const empty = (command: string, expected: Message.NetworkMessage, source: string): Vector => ({
  name: "empty payload",
  source,
  command,
  payload: new Uint8Array(0),
  expected
})

export const controlVectors: ReadonlyArray<Vector> = [
  {
    name: "protocol 70001 with relay flag",
    source: "btcd wire/msgversion_test.go baseVersionBIP0037Encoded",
    command: "version",
    payload: bytes(VERSION_BIP37_HEX),
    expected: versionBip37
  },
  {
    name: "protocol 60002, relay flag absent",
    source: "bitcoin wiki Protocol documentation, version example",
    command: "version",
    payload: bytes(VERSION_WIKI_PAYLOAD_HEX),
    expected: versionWiki
  },
  empty("verack", Message.Verack.make({}), "bitcoin wiki Protocol documentation, verack example"),
  empty("getaddr", Message.GetAddr.make({}), "btcd wire/msggetaddr_test.go (no payload)"),
  empty("mempool", Message.Mempool.make({}), "BIP-0035 (no payload); btcd wire/msgmempool_test.go"),
  empty("sendheaders", Message.SendHeaders.make({}), "BIP-0130 (no payload); btcd wire/msgsendheaders_test.go"),
  empty("sendaddrv2", Message.SendAddrV2.make({}), "BIP-0155 (no payload); btcd wire/msgsendaddrv2_test.go"),
  empty("wtxidrelay", Message.WtxidRelay.make({}), "BIP-0339 (no payload)"),
  {
    name: "nonce 123123",
    source: "btcd wire/msgping_test.go TestPingWire",
    command: "ping",
    payload: bytes("f3e0010000000000"), // nonce 123123, little-endian
    expected: Message.Ping.make({ nonce: 123123n })
  },
  {
    name: "BIP-0031 predecessor: no nonce before protocol 60001",
    source: "btcd wire/msgping_test.go (BIP0031Version: empty ping)",
    command: "ping",
    payload: new Uint8Array(0),
    expected: Message.Ping.make({ nonce: 0n }),
    version: ProtocolVersion.BIP0031 - 1
  },
  {
    name: "nonce 123123",
    source: "btcd wire/msgpong_test.go TestPongWire",
    command: "pong",
    payload: bytes("f3e0010000000000"), // nonce 123123
    expected: Message.Pong.make({ nonce: 123123n })
  },
  {
    name: "fee rate 123123 sat/kB",
    source: "btcd wire/msgfeefilter_test.go TestFeeFilterWire",
    command: "feefilter",
    payload: bytes("f3e0010000000000"), // 123123, int64 little-endian
    expected: Message.FeeFilter.make({ feeRate: 123123n })
  },
  {
    name: "high-bandwidth, version 2",
    source: "btcd wire/msgsendcmpct_test.go TestSendCmpctWire",
    command: "sendcmpct",
    payload: bytes(
      "01", // announce: true
      "0200000000000000" // compact block version 2
    ),
    expected: Message.SendCmpct.make({ announce: true, version: 2n })
  },
  {
    name: "low-bandwidth, version 1",
    source: "btcd wire/msgsendcmpct_test.go TestSendCmpctWire",
    command: "sendcmpct",
    payload: bytes(
      "00", // announce: false
      "0100000000000000" // compact block version 1
    ),
    expected: Message.SendCmpct.make({ announce: false, version: 1n })
  },
  {
    name: "rejected version (no hash)",
    source: "btcd wire/msgreject_test.go TestRejectWire",
    command: "reject",
    payload: bytes(
      "07", "76657273696f6e", // "version"
      "12", // RejectDuplicate
      "11", "6475706c69636174652076657273696f6e" // "duplicate version"
    ),
    expected: Message.Reject.make({ message: "version", code: 0x12, reason: "duplicate version" })
  },
  {
    name: "rejected block (with hash)",
    source: "btcd wire/msgreject_test.go TestRejectWire",
    command: "reject",
    payload: bytes(
      "05", "626c6f636b", // "block"
      "12", // RejectDuplicate
      "0f", "6475706c696361746520626c6f636b", // "duplicate block"
      MAINNET_GENESIS_HASH_HEX // the rejected block: mainnet genesis
    ),
    expected: Message.Reject.make({ message: "block", code: 0x12, reason: "duplicate block", hash: MAINNET_GENESIS_HASH })
  }
]
