import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App.js";
import { type Session, SessionProvider, signIn, storedKey } from "./session.js";
import "./styles.css";

const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });

/** A key kept in this tab from before a reload signs in again; one the server refuses does not. */
async function restored(): Promise<Session | null> {
  const key = storedKey();
  if (!key) return null;
  try {
    return await signIn(key);
  } catch {
    return null;
  }
}

const root = document.getElementById("root");
if (root)
  void restored().then((session) =>
    createRoot(root).render(
      <StrictMode>
        <QueryClientProvider client={queries}>
          <SessionProvider initial={session}>
            <BrowserRouter>
              <App />
            </BrowserRouter>
          </SessionProvider>
        </QueryClientProvider>
      </StrictMode>,
    ),
  );
