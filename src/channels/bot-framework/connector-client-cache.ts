import { type ConnectorClient, ConnectorFactory } from 'botframework-connector';

/** Enough for every connector host and Teams region a deployment talks to; past it the oldest client goes. */
const maxClients = 100;

/**
 * The connector clients replies are sent with, one per bot app id, service URL and audience, shared by every
 * turn. botbuilder builds a new client (credentials, HTTP pipeline) for every turn, about a fifth of a turn's
 * CPU (issue 11). Sharing one is safe: a client keeps no per-turn state, and its credentials read the Azure
 * token from botbuilder's process-wide token cache at every request, which refreshes it before it expires.
 */
export class ConnectorClientCache {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  /** A factory that hands out the shared client for `appId` (undefined with auth off), creating it with `inner` once. */
  around(inner: ConnectorFactory, appId: string | undefined): ConnectorFactory {
    const clients = this.clients;
    return new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        const key = JSON.stringify([appId ?? null, serviceUrl, audience ?? null]);
        const cached = clients.get(key);
        if (cached) return cached;
        const created = inner.create(serviceUrl, audience);
        // A client that could not be made (bad credentials) is not kept: the next turn tries again.
        created.catch(() => clients.get(key) === created && clients.delete(key));
        if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string);
        clients.set(key, created);
        return created;
      }
    })();
  }

  get size(): number {
    return this.clients.size;
  }
}
