/**
 * The bare reference for the v2 pair rows of `bench/bip324.ts`: a `node:net`
 * connection that carries packets shaped as BIP324's (3-byte length under
 * ChaCha20, then header byte, message id and payload under
 * ChaCha20-Poly1305 with its 16-byte tag), with nothing else: no session,
 * no rekeying, no message decoding, no peer.
 *
 * It is the upper bound for any v2 implementation in Node: the sender writes
 * the length, the ciphertext as OpenSSL returns it and the tag without
 * joining them (corked into one write); the receiver decrypts every chunk as
 * it arrives, without gathering the packet first, and checks the tag once
 * the last byte is in (and, for the `decode` variant, joins the plaintext
 * and hands it over, e.g. to the block decoder). A new AEAD object per packet (the nonce changes), one
 * long-lived ChaCha20 stream per direction for the lengths.
 */
import { type Cipher, createCipheriv, createDecipheriv, type DecipherChaCha20Poly1305 } from "node:crypto"
import type * as Net from "node:net"

const TAG_SIZE = 16
const LENGTH_SIZE = 3
const AEAD = { authTagLength: TAG_SIZE } as const

// Fixed keys: both ends agree without a handshake (the handshake is measured on its own).
const LENGTH_KEY = new Uint8Array(32).fill(0x4c)
const PACKET_KEY = new Uint8Array(32).fill(0x50)

/** One direction's ciphers: nonces count packets as FSChaCha20Poly1305's do (32-bit LE counter first). */
class Direction {
  readonly length: Cipher
  private readonly nonce = new Uint8Array(12)
  private packets = 0

  constructor() {
    this.length = createCipheriv("chacha20", LENGTH_KEY, new Uint8Array(16))
  }

  nextNonce(): Uint8Array {
    const n = this.packets++
    this.nonce[0] = n
    this.nonce[1] = n >>> 8
    this.nonce[2] = n >>> 16
    this.nonce[3] = n >>> 24
    return this.nonce
  }
}

/** The sending end. */
export class CipherSender {
  private readonly out = new Direction()
  private readonly head = new Uint8Array([0, 0])
  private readonly lengthBytes = new Uint8Array(LENGTH_SIZE)

  constructor(readonly socket: Net.Socket, messageId: number) {
    socket.setNoDelay(true)
    this.head[1] = messageId
  }

  /** Encrypts and writes one packet carrying `payload`. */
  send(payload: Uint8Array): void {
    const size = 1 + payload.length
    const l = this.lengthBytes
    l[0] = size
    l[1] = size >>> 8
    l[2] = size >>> 16
    const c = createCipheriv("chacha20-poly1305", PACKET_KEY, this.out.nextNonce(), AEAD)
    const s = this.socket
    s.cork()
    s.write(this.out.length.update(l))
    s.write(c.update(this.head))
    s.write(c.update(payload))
    c.final()
    s.write(c.getAuthTag())
    s.uncork()
  }
}

/** The receiving end: calls `onPacket` once per authenticated packet; a bad tag destroys the socket. */
export class CipherReceiver {
  onPacket: () => void = () => {}
  failed: Error | undefined
  private readonly in = new Direction()
  private readonly lengthBytes = new Uint8Array(LENGTH_SIZE)
  private lengthFill = 0
  private decipher: DecipherChaCha20Poly1305 | undefined
  private ciphertextLeft = 0
  private readonly tag = new Uint8Array(TAG_SIZE)
  private tagFill = 0
  /** Decrypted parts of the packet in progress (kept, as a receiver must, until the tag is checked). */
  private parts: Array<Uint8Array> = []

  /** `decode`, when given, takes each packet's plaintext (header byte, id, payload) joined in one buffer. */
  constructor(readonly socket: Net.Socket, private readonly decode?: (plaintext: Uint8Array) => void) {
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => {
      try {
        this.push(chunk)
      } catch (e) {
        this.failed = e as Error
        socket.destroy()
      }
    })
    socket.on("error", () => {})
  }

  private push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      if (this.decipher === undefined) {
        while (this.lengthFill < LENGTH_SIZE && at < chunk.length) this.lengthBytes[this.lengthFill++] = chunk[at++]!
        if (this.lengthFill < LENGTH_SIZE) return
        this.lengthFill = 0
        const l = this.in.length.update(this.lengthBytes)
        this.ciphertextLeft = 1 + (l[0]! | (l[1]! << 8) | (l[2]! << 16))
        this.decipher = createDecipheriv("chacha20-poly1305", PACKET_KEY, this.in.nextNonce(), AEAD)
      } else if (this.ciphertextLeft > 0) {
        const take = Math.min(this.ciphertextLeft, chunk.length - at)
        this.parts.push(this.decipher.update(chunk.subarray(at, at + take)))
        this.ciphertextLeft -= take
        at += take
      } else {
        const take = Math.min(TAG_SIZE - this.tagFill, chunk.length - at)
        this.tag.set(chunk.subarray(at, at + take), this.tagFill)
        this.tagFill += take
        at += take
        if (this.tagFill < TAG_SIZE) return
        this.decipher.setAuthTag(this.tag)
        this.decipher.final()
        this.decipher = undefined
        this.tagFill = 0
        if (this.decode !== undefined) this.decode(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts))
        this.parts = []
        this.onPacket()
      }
    }
  }
}
