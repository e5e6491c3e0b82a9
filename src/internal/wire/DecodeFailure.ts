/**
 * The one exception the byte-level codecs throw. It never escapes the wire
 * boundary: `Message.decodePayload` and the frame decoder catch it and turn it
 * into a typed `WireError`. Throwing inside the pure, hot decode loops keeps
 * them free of per-field result allocation.
 *
 * @internal
 */
export class DecodeFailure extends Error {
  constructor(
    readonly rule:
      | "Truncated"
      | "NonCanonicalCompactSize"
      | "CountTooLarge"
      | "LengthTooLarge"
      | "InvalidValue"
      | "TrailingBytes",
    readonly detail: string
  ) {
    super(detail)
  }
}
