/** A file we cannot use as an image (missing, empty, not an image, damaged); the message is user-facing. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
}

/** A decoder's failure, in the user's words, with the decoder's own first line as the detail. */
export function cannotDecode(e: unknown): UnreadableImageError {
  if (e instanceof UnreadableImageError) return e;
  return new UnreadableImageError(`cannot decode the image (${firstLine(e)})`, { cause: e });
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}
