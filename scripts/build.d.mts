/** Types for build.mjs: runs tsc and stamps the build; answers tsc's exit code. */
export function build(): Promise<number>;
