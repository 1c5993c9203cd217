// The app's clients, wired to the auth and connection stores (set up once in main.ts).

import { createAuthFetch, type ConnectionListener, type TokenSource } from "./http";
import { createClients, type Clients } from "./clients";

let clients: Clients | null = null;

export function installApi(
  tokens: TokenSource,
  connection: ConnectionListener,
  origin = window.location.origin,
): Clients {
  clients = createClients(createAuthFetch(tokens, connection), origin);
  return clients;
}

export function api(): Clients {
  if (!clients) throw new Error("installApi() has not been called");
  return clients;
}

export { ok, okWithResponse, ApiError } from "./clients";
export { errorMessage, fieldErrorsOf } from "./errors";
export type {
  IntakeSchemas,
  MediationSchemas,
  CourtSchemas,
  ArbitrationSchemas,
  GatewaySchemas,
} from "./clients";
