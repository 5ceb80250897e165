/**
 * A TCP port nothing listens on right now (the OS picks it: listen on 0, read it, close), for
 * processes a test or a benchmark starts with an explicit PORT / METRICS_PORT. Shared by the ops
 * and cluster tests and the benchmark (bench/support, bench/scenarios).
 */
import { createServer } from 'node:net';
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = srv.address().port;
            srv.close(() => resolve(port));
        });
    });
}
//# sourceMappingURL=free-port.js.map