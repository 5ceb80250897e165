/**
 * Waiting for something the gateway does asynchronously (a notice reaching its feed), without a
 * sleep-and-hope: polls `check` (sync or async) until it holds; fails after `timeoutMs` naming `what`.
 * (The package's tests cannot import the repository's test/support: each package compiles alone.)
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
