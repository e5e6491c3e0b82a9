import { DisconnectReason } from "../../peer/DisconnectReason.js"

/**
 * Bytes held by peers that have not completed their handshake, counted
 * across peers (`PeerConfig.makeByteBudget`).
 *
 * @internal
 */
export class ByteBudget {
  used = 0
  constructor(readonly limit: number) {}
}

/**
 * A peer holding no more than this before its handshake is never refused by
 * the shared budget: a `version`, `verack` and the feature messages are well
 * under 1 KiB, so honest peers still get in while others exhaust it.
 */
export const GUARANTEED_BYTES = 8 * 1024

/**
 * What one peer holds before its handshake completes, charged against its own
 * bound and the shared one: the messages it delivered (an inbox subscribed
 * before the handshake is not drained until `verack`), the partial frame the
 * transport buffers, and the bytes read but not yet decoded. `update` is
 * called with the current total; `release` when the handshake completes or
 * the peer ends gives every byte back to the shared budget.
 *
 * @internal
 */
export class PreHandshake {
  /** Bytes of messages delivered before the handshake completed. */
  delivered = 0
  private charged = 0
  private released = false

  constructor(private readonly perPeer: number, private readonly shared: ByteBudget) {}

  /** The peer now holds `held` bytes: the reason to disconnect if that is over a bound. */
  update(held: number): DisconnectReason | undefined {
    if (this.released) return undefined
    this.shared.used += held - this.charged
    this.charged = held
    if (held > this.perPeer) return DisconnectReason.PreHandshakeOverflow({ heldBytes: held, limit: this.perPeer, scope: "peer" })
    if (this.shared.used > this.shared.limit && held > GUARANTEED_BYTES) {
      return DisconnectReason.PreHandshakeOverflow({ heldBytes: this.shared.used, limit: this.shared.limit, scope: "all" })
    }
    return undefined
  }

  /** The handshake completed or the peer ended: nothing more is charged. */
  release(): void {
    if (this.released) return
    this.released = true
    this.shared.used -= this.charged
    this.charged = 0
  }
}
