/**
 * One side's packet ciphers (BIP324 `v2_enc_packet` / `v2_receive_packet`):
 * a length cipher and a contents AEAD for each direction. A packet is the
 * encrypted 3-byte contents length, then the AEAD of header byte || contents
 * with its 16-byte tag.
 *
 * @internal
 */
import { type ChaChaSuite, defaultSuite, type Opener, TAG_SIZE } from "./cipher.js"
import { FSChaCha20, FSChaCha20Poly1305, LENGTH_FIELD_SIZE } from "./fschacha.js"
import { isPieces, joined, type Pieces } from "../pieces.js"
import type { SessionKeys } from "./hkdf.js"

/** The header byte's flag for a decoy packet, which the receiver discards. @internal */
export const IGNORE_BIT = 0x80

/** Header byte before the contents. @internal */
export const HEADER_SIZE = 1

/** Bytes a packet adds around its contents: length, header, tag. @internal */
export const PACKET_OVERHEAD = LENGTH_FIELD_SIZE + HEADER_SIZE + TAG_SIZE

/** Largest contents the 3-byte length field can carry. @internal */
export const MAX_LENGTH_FIELD = 0xff_ffff

const EMPTY = new Uint8Array(0)

/** @internal */
export class PacketCipher {
  private readonly sendL: FSChaCha20
  private readonly sendP: FSChaCha20Poly1305
  private readonly recvL: FSChaCha20
  private readonly recvP: FSChaCha20Poly1305
  private readonly lengthScratch = new Uint8Array(LENGTH_FIELD_SIZE)
  /**
   * Header byte and one-byte message id of the next message packet: every
   * suite's `seal` copies or encrypts `head` before it returns, so one
   * array serves every packet (a ping or an `inv` allocates only its
   * ciphertext).
   */
  private readonly shortHead = new Uint8Array(HEADER_SIZE + 1)

  constructor(
    keys: Pick<SessionKeys, "initiatorL" | "initiatorP" | "responderL" | "responderP">,
    initiating: boolean,
    suite: ChaChaSuite = defaultSuite
  ) {
    this.sendL = new FSChaCha20(suite, initiating ? keys.initiatorL : keys.responderL)
    this.sendP = new FSChaCha20Poly1305(suite, initiating ? keys.initiatorP : keys.responderP)
    this.recvL = new FSChaCha20(suite, initiating ? keys.responderL : keys.initiatorL)
    this.recvP = new FSChaCha20Poly1305(suite, initiating ? keys.responderP : keys.initiatorP)
  }

  /**
   * Encrypts one packet whose contents are `type || body`, given apart so a
   * large payload is not copied before encryption. `type` holds the message
   * type bytes (empty for raw contents). A large packet comes back in
   * `Pieces`, as the cipher made it (see `ChaChaSuite.seal`).
   */
  encryptParts(type: Uint8Array, body: Uint8Array, aad: Uint8Array = EMPTY, ignore = false): Uint8Array | Pieces {
    const contentsSize = type.length + body.length
    if (contentsSize > MAX_LENGTH_FIELD) throw new RangeError(`v2 packet contents too large: ${contentsSize}`)
    const head = new Uint8Array(HEADER_SIZE + type.length)
    head[0] = ignore ? IGNORE_BIT : 0
    head.set(type, HEADER_SIZE)
    return this.seal(aad, head, body, contentsSize)
  }

  /** Encrypts a message packet whose type is the one-byte message id `id` (BIP324's short form) and whose payload is `body`. */
  encryptShort(id: number, body: Uint8Array): Uint8Array | Pieces {
    const contentsSize = 1 + body.length
    if (contentsSize > MAX_LENGTH_FIELD) throw new RangeError(`v2 packet contents too large: ${contentsSize}`)
    const head = this.shortHead
    head[0] = 0
    head[1] = id
    return this.seal(EMPTY, head, body, contentsSize)
  }

  private seal(aad: Uint8Array, head: Uint8Array, body: Uint8Array, contentsSize: number): Uint8Array | Pieces {
    const sealed = this.sendP.encrypt(aad, head, body, LENGTH_FIELD_SIZE)
    const out = isPieces(sealed) ? sealed.pieces[0]! : sealed
    out[0] = contentsSize
    out[1] = contentsSize >>> 8
    out[2] = contentsSize >>> 16
    this.sendL.crypt(out, 0)
    return sealed
  }

  /** Encrypts one packet with the given contents, in one array. */
  encrypt(contents: Uint8Array, aad: Uint8Array = EMPTY, ignore = false): Uint8Array {
    return joined(this.encryptParts(EMPTY, contents, aad, ignore))
  }

  /** Decrypts the 3-byte length field at `bytes[offset..]` into the contents length. Advances the length cipher. */
  decryptLength(bytes: Uint8Array, offset: number): number {
    const l = this.lengthScratch
    l[0] = bytes[offset]!
    l[1] = bytes[offset + 1]!
    l[2] = bytes[offset + 2]!
    this.recvL.crypt(l, 0)
    return l[0]! | (l[1]! << 8) | (l[2]! << 16)
  }

  /**
   * Decrypts header || contents || tag, `sealed[from..to)` (all of it by
   * default); `undefined` when it does not authenticate.
   */
  decrypt(sealed: Uint8Array, aad: Uint8Array = EMPTY, from = 0, to = sealed.length): Uint8Array | undefined {
    return this.recvP.decrypt(aad, sealed, from, to)
  }

  /** Starts decrypting header || contents (`size` bytes) arriving in pieces; the tag goes to `final`. */
  decryptPieces(size: number, aad: Uint8Array = EMPTY): Opener {
    return this.recvP.decryptPieces(aad, size)
  }
}
