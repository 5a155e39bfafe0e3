/**
 * Response bodies as the tests read them: by path, asserting on values. A wrong shape fails the assertion
 * that reads it, so a precise type here would only repeat each expectation.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseJson = any;
