import { RawBus } from './raw-bus.js';
import { fuzzWorld, type FuzzWorld } from './world.js';

/**
 * The bus fuzz suites' set-up: the shared fuzz world (worker, gateway, a tenant) and a raw AMQP
 * connection to send hostile bytes on, opened before the enclosing describe's tests and handed to
 * `keep`; the connection is closed after them.
 */
export function fuzzBusSuite(keep: (w: FuzzWorld, bus: RawBus) => void): void {
  let bus: RawBus | undefined;
  before(async function () {
    this.timeout(60_000);
    const w = await fuzzWorld();
    bus = await RawBus.open(w.sys.amqpUrl);
    keep(w, bus);
  });
  after(async () => {
    await bus?.close();
  });
}
