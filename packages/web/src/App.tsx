import { Navigate, NavLink, Outlet, Route, Routes } from "react-router";
import { Alerts } from "./pages/Alerts.js";
import { Approvals } from "./pages/Approvals.js";
import { Audit } from "./pages/Audit.js";
import { Connectors } from "./pages/Connectors.js";
import { Overview } from "./pages/Overview.js";
import { Readiness } from "./pages/Readiness.js";
import { Retention } from "./pages/Retention.js";
import { Runs } from "./pages/Runs.js";
import { RunTimeline } from "./pages/RunTimeline.js";
import { SignIn } from "./pages/SignIn.js";
import { Usage } from "./pages/Usage.js";
import { Workflow, Workflows } from "./pages/Workflows.js";
import { readsAudit, useMaybeSession, useSession, useSignOut } from "./session.js";

/**
 * The pages of the UI. The server answers each of these paths with index.html
 * (packages/server/src/http/web-ui.ts keeps the same list).
 */
export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route element={<SignedIn />}>
        <Route path="/" element={<Overview />} />
        <Route path="/approvals" element={<Approvals />} />
        <Route path="/runs" element={<Runs />} />
        <Route path="/runs/:id" element={<RunTimeline />} />
        <Route path="/workflows" element={<Workflows />} />
        <Route path="/workflows/:name" element={<Workflow />} />
        <Route path="/usage" element={<Usage />} />
        <Route path="/alerts" element={<Alerts />} />
        <Route path="/connectors" element={<Connectors />} />
        <Route path="/audit" element={<Audit />} />
        <Route path="/retention" element={<Retention />} />
        <Route path="/readiness" element={<Readiness />} />
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

function SignedIn() {
  const session = useMaybeSession();
  if (!session) return <Navigate to="/sign-in" replace />;
  return <Layout />;
}

function Layout() {
  const { me } = useSession();
  const signOut = useSignOut();
  return (
    <>
      <header className="top">
        <span className="brand">Tollgate</span>
        <nav>
          <NavLink to="/" end>
            Overview
          </NavLink>
          <NavLink to="/approvals">Approvals</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/workflows">Workflows</NavLink>
          <NavLink to="/usage">Usage</NavLink>
          <NavLink to="/alerts">Alerts</NavLink>
          <NavLink to="/connectors">Connectors</NavLink>
          {readsAudit.has(me.role) ? (
            <>
              <NavLink to="/audit">Audit</NavLink>
              <NavLink to="/retention">Retention</NavLink>
              <NavLink to="/readiness">Readiness</NavLink>
            </>
          ) : null}
        </nav>
        <span className="who">
          {me.name} · {me.role} · workspace {me.workspace}
        </span>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}
