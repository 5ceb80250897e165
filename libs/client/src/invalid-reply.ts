import { QubicleFailure, type ValidationDetails } from '@qubicle/contracts';

/**
 * A reply that does not match its message's reply schema (or is not an RPC reply at all): the
 * worker and this client disagree on the contract. A QubicleFailure `internal` (an HTTP client sees
 * a plain 500), typed so that a caller can log `what`, `queue` and `details`.
 */
export class InvalidReplyError extends QubicleFailure {
  constructor(
    /** the message type the reply answers */
    readonly what: string,
    readonly queue: string,
    readonly details: ValidationDetails,
  ) {
    super({ code: 'internal', message: `invalid reply to ${what} from ${queue}` });
    this.name = 'InvalidReplyError';
  }
}
