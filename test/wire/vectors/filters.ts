/**
 * Vectors for BIP-0037 bloom filtering (filterload, filteradd, filterclear)
 * and BIP-0157 compact block filters (getcfilters, cfilter, getcfheaders,
 * cfheaders, getcfcheckpt, cfcheckpt).
 *
 * BIP-0157 publishes no message vectors. The compact-filter vectors below
 * are the BIP-0157 layouts filled with published data: the testnet3 blocks,
 * basic filters and filter headers of BIP-0158's test vectors
 * (bip-0158/testnet-19.json, heights 0, 2 and 3; Bitcoin Core carries the
 * same rows in src/test/data/blockfilters.json). Filter hashes are
 * sha256d(filter); the cfheaders test checks they chain to the published
 * filter headers.
 */
import * as Message from "../../../src/wire/Message.js"
import { bytes, displayHash, type Vector } from "../../support/wire.js"

/** Testnet3 block hashes (wire order) of BIP-0158's rows for heights 0, 2 and 3. */
export const TESTNET_BLOCK_0_HEX = "43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000"
export const TESTNET_BLOCK_2_HEX = "20782a005255b657696ea057d5b98f34defcf75196f64f6eeac8026c00000000"
export const TESTNET_BLOCK_3_HEX = "10befdc16d281e40ecec65b7c9976ddc8fd9bc9752da5827276e898b00000000"

/** BIP-0158 rows: basic filter, previous filter header and filter header (display order). */
export const BIP158_ROWS = {
  0: {
    block: "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    filter: "019dfca8",
    prevHeader: "0000000000000000000000000000000000000000000000000000000000000000",
    header: "21584579b7eb08997773e5aeff3a7f932700042d0ed2a6129012b7d7ae81b750"
  },
  2: {
    block: "000000006c02c8ea6e4ff69651f7fcde348fb9d557a06e6957b65552002a7820",
    filter: "0174a170",
    prevHeader: "d7bdac13a59d745b1add0d2ce852f1a0442e8945fc1bf3848d3cbffd88c24fe1",
    header: "186afd11ef2b5e7e3504f2e8cbf8df28a1fd251fe53d60dff8b1467d1b386cf0"
  },
  3: {
    block: "000000008b896e272758da5297bcd98fdc6d97c9b765ecec401e286dc1fdbe10",
    filter: "016cf7a0",
    prevHeader: "186afd11ef2b5e7e3504f2e8cbf8df28a1fd251fe53d60dff8b1467d1b386cf0",
    header: "8d63aadf5ab7257cb6d2316a57b16f517bff1c6388f124ec4c04af1212729d2a"
  }
} as const

/** sha256d of the height-2 and height-3 filters (wire order). */
export const FILTER_HASH_2_HEX = "ebc8ad924c4b239a370dcb9f3278fcc97eb29c45a3c858cab3b5a82afdfad13c"
export const FILTER_HASH_3_HEX = "7f9895c6238cf9d90bc18d89741b51cde1fa647bc3b013364ef3c1e8331619ae"

/** cfheaders for heights 2..3, starting from the header of height 1. */
export const CFHEADERS_HEX = [
  "00", // filter type: basic
  TESTNET_BLOCK_3_HEX, // stop hash: block 3
  "e14fc288fdbf3c8d84f31bfc45892e44a0f152e82c0ddd1a5b749da513acbdd7", // filter header of block 1
  "02", // two filter hashes
  FILTER_HASH_2_HEX, // sha256d(0174a170), block 2
  FILTER_HASH_3_HEX // sha256d(016cf7a0), block 3
].join("")

export const filterVectors: ReadonlyArray<Vector> = [
  {
    name: "3-byte filter, 5 hash functions, no tweak, BLOOM_UPDATE_ALL",
    source: "Bitcoin Core src/test/bloom_tests.cpp bloom_create_insert_serialize",
    command: "filterload",
    payload: bytes(
      "03", "614e9b", // filter: 3 bytes
      "05000000", // 5 hash functions
      "00000000", // tweak 0
      "01" // flags: BLOOM_UPDATE_ALL
    ),
    expected: Message.FilterLoad.make({ filter: bytes("614e9b"), hashFuncs: 5, tweak: 0, flags: 1 })
  },
  {
    name: "with tweak 2147483649",
    source: "Bitcoin Core src/test/bloom_tests.cpp bloom_create_insert_serialize_with_tweak",
    command: "filterload",
    payload: bytes(
      "03", "ce4299", // filter: 3 bytes
      "05000000", // 5 hash functions
      "01000080", // tweak 0x80000001
      "01" // flags: BLOOM_UPDATE_ALL
    ),
    expected: Message.FilterLoad.make({ filter: bytes("ce4299"), hashFuncs: 5, tweak: 2147483649, flags: 1 })
  },
  {
    name: "4-byte element",
    source: "btcd wire/msgfilteradd_test.go baseFilterAddEncoded",
    command: "filteradd",
    payload: bytes(
      "04", // element length 4
      "01020304" // element
    ),
    expected: Message.FilterAdd.make({ data: bytes("01020304") })
  },
  {
    name: "empty payload",
    source: "BIP-0037 (no payload); btcd wire/msgfilterclear_test.go",
    command: "filterclear",
    payload: new Uint8Array(0),
    expected: Message.FilterClear.make({})
  },
  {
    name: "basic filters from height 2 to block 3",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json block hashes",
    command: "getcfilters",
    payload: bytes(
      "00", // filter type: basic
      "02000000", // start height 2
      TESTNET_BLOCK_3_HEX // stop hash: testnet3 block 3
    ),
    expected: Message.GetCFilters.make({ filterType: 0, startHeight: 2, stopHash: bytes(TESTNET_BLOCK_3_HEX) })
  },
  {
    name: "testnet3 genesis basic filter",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json row for height 0",
    command: "cfilter",
    payload: bytes(
      "00", // filter type: basic
      TESTNET_BLOCK_0_HEX, // block hash: testnet3 genesis
      "04", // filter length 4
      "019dfca8" // the BIP-0158 basic filter of the testnet3 genesis block
    ),
    expected: Message.CFilter.make({ filterType: 0, blockHash: bytes(TESTNET_BLOCK_0_HEX), filter: bytes("019dfca8") })
  },
  {
    name: "filter headers from height 2 to block 3",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json block hashes",
    command: "getcfheaders",
    payload: bytes(
      "00", // filter type: basic
      "02000000", // start height 2
      TESTNET_BLOCK_3_HEX // stop hash: testnet3 block 3
    ),
    expected: Message.GetCFHeaders.make({ filterType: 0, startHeight: 2, stopHash: bytes(TESTNET_BLOCK_3_HEX) })
  },
  {
    name: "filter hashes of blocks 2 and 3",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json rows for heights 2 and 3",
    command: "cfheaders",
    payload: bytes(CFHEADERS_HEX),
    expected: Message.CFHeaders.make({
      filterType: 0,
      stopHash: bytes(TESTNET_BLOCK_3_HEX),
      previousFilterHeader: displayHash(BIP158_ROWS[2].prevHeader),
      filterHashes: [bytes(FILTER_HASH_2_HEX), bytes(FILTER_HASH_3_HEX)]
    })
  },
  {
    name: "checkpoints up to block 3",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json block hashes",
    command: "getcfcheckpt",
    payload: bytes(
      "00", // filter type: basic
      TESTNET_BLOCK_3_HEX // stop hash: testnet3 block 3
    ),
    expected: Message.GetCFCheckpt.make({ filterType: 0, stopHash: bytes(TESTNET_BLOCK_3_HEX) })
  },
  {
    name: "layout with two published filter headers",
    source: "BIP-0157 layout; BIP-0158 testnet-19.json filter headers of heights 0 and 2",
    command: "cfcheckpt",
    payload: bytes(
      "00", // filter type: basic
      TESTNET_BLOCK_3_HEX, // stop hash: testnet3 block 3
      "02", // two filter headers
      "50b781aed7b7129012a6d20e2d040027937f3affaee573779908ebb779455821", // header of height 0
      "f06c381b7d46b1f8df603de51f25fda128dff8cbe8f204357e5e2bef11fd6a18" // header of height 2
    ),
    expected: Message.CFCheckpt.make({
      filterType: 0,
      stopHash: bytes(TESTNET_BLOCK_3_HEX),
      filterHeaders: [displayHash(BIP158_ROWS[0].header), displayHash(BIP158_ROWS[2].header)]
    })
  }
]
