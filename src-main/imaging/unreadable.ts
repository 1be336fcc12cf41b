/** A file we cannot use as an image (missing, empty, not an image, damaged); the message is user-facing. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
}
