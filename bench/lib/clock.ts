/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on this machine. */
export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
