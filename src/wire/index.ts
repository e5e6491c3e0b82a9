/**
 * The wire layer: every message of the Bitcoin P2P protocol as a typed value
 * with a byte codec, framing and a push-based frame decoder, chain parameters,
 * and the value types messages carry. Pure: bytes in, values out; no sockets,
 * clocks or services.
 *
 * @since 0.1.0
 */

/**
 * A block.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Block from "./Block.js"

/**
 * The block header (80 bytes; 112 with LBRY's claim-trie root; AuxPoW kept as bytes) and its hash (double SHA-256 of its identity bytes, displayed byte-reversed).
 *
 * @since 0.1.0
 * @category modules
 */
export * as BlockHeader from "./BlockHeader.js"

/**
 * How a network serializes block headers: Bitcoin's 80 bytes, LBRY's 112, Dogecoin's AuxPoW.
 *
 * @since 0.1.0
 * @category modules
 */
export * as BlockHeaderFormat from "./BlockHeaderFormat.js"

/**
 * The byte reader and writer a custom `BlockHeaderFormat` reads and writes its fields with.
 *
 * @since 0.2.0
 * @category modules
 */
export * as ByteCursor from "./ByteCursor.js"

/**
 * Chain parameters.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ChainParams from "./ChainParams.js"

/**
 * Schemas for the protocol's primitive field types.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Fields from "./Fields.js"

/**
 * Framing.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Frame from "./Frame.js"

/**
 * Double SHA-256 and the 32-byte hashes built from it (block hashes, txids, frame checksums).
 *
 * @since 0.1.0
 * @category modules
 */
export * as Hash from "./Hash.js"

/**
 * Inventory vectors.
 *
 * @since 0.1.0
 * @category modules
 */
export * as InvVector from "./InvVector.js"

/**
 * The 4 start bytes of every frame, which tell networks apart.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Magic from "./Magic.js"

/**
 * Every protocol message as one union, `NetworkMessage`, discriminated by `_tag`, and the payload codecs that turn bytes into messages and back.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Message from "./Message.js"

/**
 * Network addresses as the protocol carries them.
 *
 * @since 0.1.0
 * @category modules
 */
export * as NetAddress from "./NetAddress.js"

/**
 * Protocol version numbers and the features each one turns on.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ProtocolVersion from "./ProtocolVersion.js"

/**
 * Service flags.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ServiceFlags from "./ServiceFlags.js"

/**
 * Transactions, with BIP-0144 witness serialization, and their ids.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Transaction from "./Transaction.js"

/**
 * The one error of the wire layer.
 *
 * @since 0.1.0
 * @category modules
 */
export * as WireError from "./WireError.js"

/**
 * A network's wire format: its header format, transaction serialization (segwit, legacy, MWEB) and block payload cap.
 *
 * @since 0.1.0
 * @category modules
 */
export * as WireFormat from "./WireFormat.js"
