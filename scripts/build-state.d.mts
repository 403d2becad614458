/** Types for build-state.mjs, which the test suite's global setup uses. */
export const root: string;
export const stampFile: string;
export function staleBecause(): Promise<string | undefined>;
export function writeStamp(): Promise<void>;
