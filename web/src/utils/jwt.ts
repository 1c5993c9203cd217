// Reads (never verifies: the services do) the claims of an access token for the UI.

export interface Claims {
  sub: string;
  name?: string;
  roles: string[];
  center_id?: string;
  exp?: number;
  kind?: string;
}

export function decodeClaims(token: string): Claims {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const claims = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Claims>;
  return { ...claims, sub: String(claims.sub ?? ""), roles: Array.isArray(claims.roles) ? claims.roles : [] };
}
