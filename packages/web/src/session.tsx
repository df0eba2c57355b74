import { TollgateApiError, TollgateClient, type WhoAmI } from "@tollgate/sdk";
import { createContext, type ReactNode, useContext, useState } from "react";

/** A signed-in key: the client that uses it and who the server says it is. */
export interface Session {
  client: TollgateClient;
  me: WhoAmI & { workspace: string };
}

const storageKey = "tollgate.key";

/** What the API lets each role do, as the UI needs to know it to offer a page or a button. */
export const decidesApprovals = new Set(["admin", "approver"]);
/** the audit record, retention and the readiness report (the server's can.readAudit) */
export const readsAudit = new Set(["admin", "auditor"]);
export const managesWorkflows = new Set(["admin"]);

function clientFor(key: string): TollgateClient {
  return new TollgateClient({ url: window.location.origin, key });
}

/**
 * Checks a key with the server. The UI is for people: admin, approver and auditor keys of a
 * workspace. The key lives in this tab's sessionStorage only, gone when the tab closes.
 */
export async function signIn(key: string): Promise<Session> {
  const client = clientFor(key.trim());
  const me = await client.whoami();
  if (me.workspace === null)
    throw new Error("This is the operator key: sign in with an admin, approver or auditor key of a workspace.");
  if (me.role === "agent") throw new Error("Agent keys cannot use the web UI: sign in with a person's key.");
  sessionStorage.setItem(storageKey, key.trim());
  return { client, me: { ...me, workspace: me.workspace } };
}

export function storedKey(): string | null {
  return sessionStorage.getItem(storageKey);
}

interface SessionState {
  session: Session | null;
  setSession: (s: Session | null) => void;
}

const SessionContext = createContext<SessionState>({ session: null, setSession: () => {} });

export function SessionProvider(props: { initial: Session | null; children: ReactNode }) {
  const [session, setSession] = useState(props.initial);
  return <SessionContext.Provider value={{ session, setSession }}>{props.children}</SessionContext.Provider>;
}

/** The signed-in session, or null on the sign-in page. */
export function useMaybeSession(): Session | null {
  return useContext(SessionContext).session;
}

export function useSession(): Session {
  const s = useMaybeSession();
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}

export function useSetSession(): (s: Session) => void {
  return useContext(SessionContext).setSession;
}

export function useSignOut(): () => void {
  const set = useContext(SessionContext).setSession;
  return () => {
    sessionStorage.removeItem(storageKey);
    set(null);
  };
}

/** What an API error says to a person: the problem's detail, else the message. */
export function errorText(e: unknown): string {
  if (e instanceof TollgateApiError) return e.problem.detail ?? e.message;
  return e instanceof Error ? e.message : String(e);
}
