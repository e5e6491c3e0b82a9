/**
 * What the byte-level encoders throw for a value the protocol does not allow
 * (a list above its maximum, a string above its length cap, an address a
 * legacy field cannot hold). Like `DecodeFailure` it never escapes the wire
 * boundary: the encoder turns it into a `WireError` with reason
 * `EncodeFailed`, and nothing is written.
 *
 * @internal
 */
export class EncodeFailure extends Error {}
