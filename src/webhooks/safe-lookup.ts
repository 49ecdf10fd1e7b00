import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressRefusal, AddressRefusedError } from './address-policy.js';

/** Resolves a host name to every address it has (injected in tests; default: the OS resolver). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dns.lookup(hostname, { all: true, verbatim: true });

/**
 * The `lookup` of the sockets that deliver webhooks: resolves the name once, refuses it when
 * any of its addresses is not public (unless `allowPrivate`), and hands the socket exactly the
 * addresses it checked, so the connection cannot go anywhere else (no second lookup to rebind).
 */
export function createSafeLookup(deps: {
  allowPrivate: boolean;
  resolve?: Resolver;
}): LookupFunction {
  const resolve = deps.resolve ?? systemResolver;
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = family ? found.filter((a) => a.family === family) : found;
        if (addresses.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
          return;
        }
        if (!deps.allowPrivate) {
          for (const { address } of addresses) {
            const refusal = addressRefusal(address);
            if (refusal) {
              callback(
                new AddressRefusedError(
                  `refused: ${hostname} resolves to ${address}, ${refusal}; set CHATBATCH_WEBHOOK_ALLOW_PRIVATE=on to allow it`,
                ),
                '',
                0,
              );
              return;
            }
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}
