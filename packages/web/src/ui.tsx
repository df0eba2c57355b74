import type { ReactNode } from "react";
import { errorText } from "./session.js";

/** Dates as a person reads them, in their own time zone. */
export function When(props: { at: string | null | undefined }) {
  if (!props.at) return <span className="muted">—</span>;
  const d = new Date(props.at);
  return <time dateTime={props.at}>{d.toLocaleString()}</time>;
}

export function Badge(props: { kind: string; children?: ReactNode }) {
  return (
    <span className={`badge badge-${props.kind.toLowerCase().replace(/[^a-z_]/g, "")}`}>
      {props.children ?? props.kind}
    </span>
  );
}

/** Any JSON value as text: arguments come from an agent and are shown, never interpreted. */
export function Json(props: { value: unknown }) {
  return <pre className="json">{JSON.stringify(props.value, null, 2)}</pre>;
}

export function Problem(props: { error: unknown }) {
  return (
    <p className="problem" role="alert">
      {errorText(props.error)}
    </p>
  );
}

/** The three states of a query: loading, failed, or its data. */
export function Loaded<T>(props: {
  query: { data: T | undefined; error: unknown; isPending: boolean };
  children: (data: T) => ReactNode;
}) {
  if (props.query.isPending) return <p className="muted">Loading…</p>;
  if (props.query.error) return <Problem error={props.query.error} />;
  return <>{props.children(props.query.data as T)}</>;
}
