// The fake model provider in a process of its own (bench/model.js), as a real provider would be:
// a direct call and a proxied one both cross process boundaries, and the provider does not share
// the measuring client's event loop. Prints its addresses as one JSON line.
import { startFakeModel } from "../examples/support-triage/dist/index.js";

const model = await startFakeModel();
process.stdout.write(
  `${JSON.stringify({ url: model.url, openaiBaseUrl: model.openaiBaseUrl, apiKey: model.apiKey })}\n`,
);
process.on("SIGTERM", () => void model.close().then(() => process.exit(0)));
