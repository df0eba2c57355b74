import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router";
import { signIn, useSetSession } from "../session.js";
import { Problem } from "../ui.js";

export function SignIn() {
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const setSession = useSetSession();
  const navigate = useNavigate();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSession(await signIn(key));
      navigate("/");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="sign-in">
      <h1>Tollgate</h1>
      <p>Sign in with the API key of an approver, an auditor or an admin of your workspace.</p>
      <form onSubmit={submit}>
        <label htmlFor="key">API key</label>
        <input
          id="key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
        />
        <button type="submit" disabled={busy || key.trim() === ""}>
          Sign in
        </button>
      </form>
      {error ? <Problem error={error} /> : null}
      <p className="muted">The key stays in this browser tab and is forgotten when the tab closes.</p>
    </main>
  );
}
