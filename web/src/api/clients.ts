// One typed client per service, generated types from each service's OpenAPI (src/api/generated/),
// all through the gateway and the authenticating fetch.

import createClient, { type Client } from "openapi-fetch";

import { ApiError, errorFromProblem, type Problem } from "./errors";
import type { paths as ArbitrationPaths } from "./generated/arbitration";
import type { paths as CourtPaths } from "./generated/court";
import type { components as GatewayComponents, paths as GatewayPaths } from "./generated/gateway";
import type { components as IntakeComponents, paths as IntakePaths } from "./generated/intake";
import type { components as MediationComponents, paths as MediationPaths } from "./generated/mediation";
import type { components as CourtComponents } from "./generated/court";
import type { components as ArbitrationComponents } from "./generated/arbitration";

export type IntakeSchemas = IntakeComponents["schemas"];
export type MediationSchemas = MediationComponents["schemas"];
export type CourtSchemas = CourtComponents["schemas"];
export type ArbitrationSchemas = ArbitrationComponents["schemas"];
export type GatewaySchemas = GatewayComponents["schemas"];

export interface Clients {
  gateway: Client<GatewayPaths>;
  intake: Client<IntakePaths>;
  mediation: Client<MediationPaths>;
  court: Client<CourtPaths>;
  arbitration: Client<ArbitrationPaths>;
}

export function createClients(fetchImpl: (input: Request) => Promise<Response>, origin: string): Clients {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- openapi-fetch's own bound for a paths type
  const make = <P extends {}>(prefix: string) =>
    createClient<P>({ baseUrl: origin + prefix, fetch: fetchImpl });
  return {
    gateway: make<GatewayPaths>(""),
    intake: make<IntakePaths>("/api/intake"),
    mediation: make<MediationPaths>("/api/mediation"),
    court: make<CourtPaths>("/api/court"),
    arbitration: make<ArbitrationPaths>("/api/arbitration"),
  };
}

interface Result<T> {
  data?: T;
  /** The error body the operation documents: the services' problem+json. */
  error?: Problem;
  response: Response;
}

/** The response's data, or throw the ApiError that explains the failure. */
export async function ok<T>(pending: Promise<Result<T>>): Promise<T> {
  return (await okWithResponse(pending)).data;
}

export async function okWithResponse<T>(
  pending: Promise<Result<T>>,
): Promise<{ data: T; response: Response }> {
  const result = await pending;
  if (!result.response.ok) throw errorFromProblem(result.response.status, result.error);
  return { data: result.data as T, response: result.response };
}

export { ApiError };
