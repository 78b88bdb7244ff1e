// The one base of Tipline's name-only errors: a failure stated in one line that a person can
// act on. A subclass only names the part that failed (its `name`, which messages and tests
// use, is the code) so that a caller can catch that part's failures; the command-line tools
// print the message and exit 1.
export class TiplineError extends Error {}

/** The base of the crypto format errors that also say which check failed, as a code a caller
 * branches on (EnvelopeError, AttachmentError, AckError, DeskEventError). Not a TiplineError on
 * purpose: the desk shows a TiplineError's message, and these stay as they were. */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}
