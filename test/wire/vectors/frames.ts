/**
 * Whole frames (24-byte header + payload) as published, with the header
 * written field by field.
 */
import * as Message from "../../../src/wire/Message.js"
import type { NetworkMessage } from "../../../src/wire/Message.js"
import { bytes } from "../../support/wire.js"
import { versionWiki, VERSION_WIKI_PAYLOAD_HEX } from "./control.js"
import { ADDR_WIKI_PAYLOAD_HEX } from "./addresses.js"

export interface FrameVector {
  readonly name: string
  readonly source: string
  readonly frame: Uint8Array
  readonly command: string
  readonly expected: NetworkMessage
}

/** Hex of a frame header: magic, NUL-padded command, payload length (LE), checksum. */
const header = (magic: string, commandHex: string, lengthLE: string, checksum: string) =>
  [magic, commandHex, lengthLE, checksum].join("")

export const MAINNET = "f9beb4d9"

/** The bitcoin wiki's version example frame (payload in vectors/control.ts). */
export const VERSION_WIKI_FRAME_HEX = header(
  MAINNET, // magic: mainnet
  "76657273696f6e0000000000", // "version" + NUL padding
  "64000000", // payload length 100
  "358d4932" // checksum
) + VERSION_WIKI_PAYLOAD_HEX

/** The bitcoin wiki's verack frame: an empty payload's checksum is sha256d("")[0..4] = 5df6e0e2. */
export const VERACK_FRAME_HEX = header(MAINNET, "76657261636b000000000000", "00000000", "5df6e0e2")

/** A ping frame from the bitcoin-protocol npm package's stream tests ("buffering"). */
export const PING_FRAME_HEX = header(
  MAINNET,
  "70696e670000000000000000", // "ping"
  "08000000", // payload length 8
  "137ad663" // checksum
) + "0123456789abcdef" // nonce 0xefcdab8967452301, little-endian

/** The bitcoin wiki's addr example frame. */
export const ADDR_WIKI_FRAME_HEX = header(MAINNET, "616464720000000000000000", "1f000000", "ed52399b") + ADDR_WIKI_PAYLOAD_HEX

/** A sendcmpct frame as captured from a Bitcoin Core peer (daloji blockchain SendCmpctTrameTest). */
export const SENDCMPCT_FRAME_HEX = header(MAINNET, "73656e64636d706374000000", "09000000", "ccfe104a") +
  "00" + // announce: false
  "0100000000000000" // compact block version 1

/**
 * The bitcoin wiki's tx example frame (also in the bitcoin-protocol npm
 * package's stream tests): one P2PKH input, two P2PKH outputs.
 */
export const TX_WIKI_FRAME_HEX = header(MAINNET, "747800000000000000000000", "02010000", "e293cdbe") + [
  "01000000", // version 1
  "01", // one input
  "6dbddb085b1d8af75184f0bc01fad58d1266e9b63b50881990e4b40d6aee3629", // previous output hash
  "00000000", // previous output index 0
  "8b", // script length 139
  "483045022100f3581e1972ae8ac7c7367a7a253bc1135223adb9a468bb3a59233f45bc578380022059af01ca17d00e41837a1d58e97aa31bae584edec28d35bd96923690913bae9a01" +
    "41049c02bfc97ef236ce6d8fe5d94013c721e915982acd2b12b65d9b7d59e20a842005f8fc4e02532e873d37b96f09d6d4511ada8f14042f46614a4c70c0f14beff5", // signature, pubkey
  "ffffffff", // sequence
  "02", // two outputs
  "404b4c0000000000", // 5,000,000 satoshis
  "19", "76a9141aa0cd1cbea6e7458a7abad512a9d9ea1afb225e88ac", // P2PKH
  "80fae9c700000000", // 3,354,000,000 satoshis
  "19", "76a9140eab5bea436a0484cfab12485efda0b78b4ecc5288ac", // P2PKH
  "00000000" // lock time
].join("")

export const frameVectors: ReadonlyArray<FrameVector> = [
  {
    name: "version (protocol 60002)",
    source: "bitcoin wiki Protocol documentation, version example",
    frame: bytes(VERSION_WIKI_FRAME_HEX),
    command: "version",
    expected: versionWiki
  },
  {
    name: "verack",
    source: "bitcoin wiki Protocol documentation, verack example",
    frame: bytes(VERACK_FRAME_HEX),
    command: "verack",
    expected: Message.Verack.make({})
  },
  {
    name: "ping",
    source: "bitcoin-protocol (npm) test/stream.js",
    frame: bytes(PING_FRAME_HEX),
    command: "ping",
    expected: Message.Ping.make({ nonce: 0xefcdab8967452301n })
  },
  {
    name: "addr",
    source: "bitcoin wiki Protocol documentation, addr example",
    frame: bytes(ADDR_WIKI_FRAME_HEX),
    command: "addr",
    expected: Message.Addr.make({
      addresses: [{ time: 0x4d1015e2, services: 1n, network: 1, address: Uint8Array.from([10, 0, 0, 1]), port: 8333 }]
    })
  },
  {
    name: "sendcmpct",
    source: "captured Bitcoin Core frame in daloji/blockchain SendCmpctTrameTest",
    frame: bytes(SENDCMPCT_FRAME_HEX),
    command: "sendcmpct",
    expected: Message.SendCmpct.make({ announce: false, version: 1n })
  },
  {
    name: "getaddr",
    source: "verack layout with command getaddr (empty payload, checksum 5df6e0e2)",
    frame: bytes(header(MAINNET, "676574616464720000000000", "00000000", "5df6e0e2")),
    command: "getaddr",
    expected: Message.GetAddr.make({})
  },
  {
    name: "tx",
    source: "bitcoin wiki Protocol documentation, tx example",
    frame: bytes(TX_WIKI_FRAME_HEX),
    command: "tx",
    expected: Message.Tx.make({
      tx: {
        version: 1,
        inputs: [{
          prevout: { hash: bytes("6dbddb085b1d8af75184f0bc01fad58d1266e9b63b50881990e4b40d6aee3629"), index: 0 },
          script: bytes(
            "483045022100f3581e1972ae8ac7c7367a7a253bc1135223adb9a468bb3a59233f45bc578380022059af01ca17d00e41837a1d58e97aa31bae584edec28d35bd96923690913bae9a01",
            "41049c02bfc97ef236ce6d8fe5d94013c721e915982acd2b12b65d9b7d59e20a842005f8fc4e02532e873d37b96f09d6d4511ada8f14042f46614a4c70c0f14beff5"
          ),
          sequence: 0xffffffff,
          witness: []
        }],
        outputs: [
          { value: 5_000_000n, script: bytes("76a9141aa0cd1cbea6e7458a7abad512a9d9ea1afb225e88ac") },
          { value: 3_354_000_000n, script: bytes("76a9140eab5bea436a0484cfab12485efda0b78b4ecc5288ac") }
        ],
        lockTime: 0
      }
    })
  }
]
