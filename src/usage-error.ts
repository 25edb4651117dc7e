/**
 * Command-line arguments that cannot be used: the CLI prints the message alone (no advice
 * about the server's configuration, which is not what is wrong) and exits 2.
 */
export class UsageError extends Error {}
