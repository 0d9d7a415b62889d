// The oidc-provider Adapter (its persistence interface) over the server's application records: clients come from
// the Client records the CLI registers, every other model (Session, Interaction, Grant, AuthorizationCode,
// ReplayDetection, ...) is kept with its expiry in one collection (storage/accounts.ts).
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider' with {
  'resolution-mode': 'import',
};
import type { Accounts, ClientRecord } from '../storage';

/** The provider's metadata of one client record: who may use which grant, authenticated how. */
export function clientMetadata(c: ClientRecord): AdapterPayload {
  const keys = c.jwks !== undefined || c.jwksUri !== undefined;
  const browser = c.redirectUris.length > 0;
  return {
    client_id: c.clientId,
    client_name: c.name,
    grant_types: [...(keys ? ['client_credentials'] : []), ...(browser ? ['authorization_code'] : [])],
    response_types: browser ? ['code'] : [],
    redirect_uris: c.redirectUris,
    // A backend client proves itself with a signed assertion (SMART Backend Services); a browser application
    // without keys is a public client, held to PKCE.
    token_endpoint_auth_method: keys ? 'private_key_jwt' : 'none',
    ...(c.jwks !== undefined && { jwks: c.jwks }),
    ...(c.jwksUri !== undefined && { jwks_uri: c.jwksUri }),
    clinic: c.clinic,
    roles: c.roles,
    allowed_scope: c.scope,
  };
}

/** What the adapter does with a replayed assertion `jti` (the provider's own error, made by the caller). */
export type ReplayError = () => Error;

export function oidcAdapter(accounts: Accounts, replayed: ReplayError): AdapterConstructor {
  return class RecordsAdapter implements Adapter {
    private readonly records;
    constructor(private readonly name: string) {
      this.records = accounts.oauth(name);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      if (this.name === 'ReplayDetection') {
        // Inserted, never replaced: two requests with one assertion cannot both pass between find and save.
        if (!(await this.records.insertOnce(id, payload, expiresIn ?? 0))) throw replayed();
        return;
      }
      await this.records.upsert(id, payload, expiresIn ?? 0);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        const c = await accounts.clients.get(id);
        return c && clientMetadata(c);
      }
      return await this.records.find(id);
    }

    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined); // the device flow is not enabled
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return await this.records.findByUid(uid);
    }

    consume(id: string): Promise<void> {
      return this.records.consume(id);
    }

    destroy(id: string): Promise<void> {
      return this.records.destroy(id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return this.records.revokeByGrantId(grantId);
    }
  };
}
