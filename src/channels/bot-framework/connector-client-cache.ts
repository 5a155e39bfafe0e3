import { type ConnectorClient, ConnectorFactory, type UserTokenClient } from 'botframework-connector';

/** Enough for every connector host and Teams region a deployment talks to; past it the oldest client goes. */
const maxClients = 100;

/**
 * The clients a turn talks to the channel with, shared by every turn: connector clients (replies), one per bot
 * app id, service URL and audience, and user token clients (botbuilder's OAuth token service, which CloudAdapter
 * puts in every turn's state), one per app id. botbuilder builds new ones (credentials, HTTP pipeline) for every
 * turn: about a fifth of a turn's CPU for the connector client and 4% for the user token client (issue 11).
 * Sharing is safe: a client keeps no per-turn state, and its credentials read the Azure token from botbuilder's
 * process-wide token cache at every request, which refreshes it before it expires.
 */
export class ConnectorClientCache {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokenClients = new Map<string, Promise<UserTokenClient>>();

  /** A factory that hands out the shared client for `appId` (undefined with auth off), creating it with `inner` once. */
  around(inner: ConnectorFactory, appId: string | undefined): ConnectorFactory {
    return new SharedConnectorFactory(this.clients, inner, appId);
  }

  /** The shared user token client for `appId` (undefined with auth off), made with `create` once. */
  userTokenClient(appId: string | undefined, create: () => Promise<UserTokenClient>): Promise<UserTokenClient> {
    return shared(this.userTokenClients, appId ?? '', create);
  }

  get size(): number {
    return this.clients.size;
  }
}

/** One per request (botbuilder hands each turn a factory), so a class declared once, not a class per request. */
class SharedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly clients: Map<string, Promise<ConnectorClient>>,
    private readonly inner: ConnectorFactory,
    private readonly appId: string | undefined,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return shared(this.clients, JSON.stringify([this.appId ?? null, serviceUrl, audience ?? null]), () => this.inner.create(serviceUrl, audience));
  }
}

function shared<Client>(clients: Map<string, Promise<Client>>, key: string, create: () => Promise<Client>): Promise<Client> {
  const cached = clients.get(key);
  if (cached) return cached;
  const created = create();
  // A client that could not be made (bad credentials) is not kept: the next turn tries again.
  created.catch(() => clients.get(key) === created && clients.delete(key));
  if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string);
  clients.set(key, created);
  return created;
}
