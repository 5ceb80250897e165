/**
 * Waiting for something the system does asynchronously (never a sleep-and-hope): polls `check`
 * until it returns something other than undefined/false (that value is returned), retrying when it
 * throws (a request to a service that is still starting), and fails after `timeoutMs` naming
 * `what` and the last error.
 */
export async function until(what, check, timeoutMs = 10_000, intervalMs = 20) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined && v !== false)
                return v;
            last = undefined;
        }
        catch (err) {
            last = err;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message ?? String(last)}` : ''}`);
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
//# sourceMappingURL=wait.js.map