// Placeholder until the network layer lands: frames and decodes a few messages.
import * as ChainParams from "../src/ChainParams.js"
import * as Frame from "../src/Frame.js"
import * as Hash from "../src/Hash.js"
import * as Message from "../src/Message.js"

const frame = Frame.encode(ChainParams.regtest.magic, Message.Ping.make({ nonce: 42n }))
console.log("ping frame:", Hash.bytesToHex(frame))
console.log("decoded:", Frame.decodeOne(frame, { params: ChainParams.regtest }))
