/** An error whose message is already written for the user (bad input, a missing file...). */
export class UserError extends Error {
  override name = 'UserError';
}
