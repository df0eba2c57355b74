import { existsSync, readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { describe, expect, it } from "vitest";
import { trackerMcpPath, workflowMcpYaml, workflowPath, workflowYaml } from "../src/index.js";

describe("workflow manifest", () => {
  it("is found at the package root", () => {
    expect(isAbsolute(workflowPath)).toBe(true);
    expect(workflowPath.endsWith("/examples/support-triage/workflow.yaml")).toBe(true);
    expect(existsSync(workflowPath)).toBe(true);
  });

  it("points every system at the given base URL", () => {
    const original = readFileSync(workflowPath, "utf8");
    expect(original.match(/baseUrl: "http:\/\/127\.0\.0\.1:4010\/(helpdesk|tracker|chat)"/g)).toHaveLength(3);
    const text = workflowYaml("http://127.0.0.1:5555/");
    expect(text).not.toContain("127.0.0.1:4010");
    for (const system of ["helpdesk", "tracker", "chat"]) {
      expect(text).toContain(`baseUrl: "http://127.0.0.1:5555/${system}"`);
      expect(text).toContain(`secretRef: ${system}-token`);
    }
  });

  it("has an MCP variant whose tracker is the tracker MCP server, started with this Node", () => {
    const text = workflowMcpYaml("http://127.0.0.1:5555/", { overridesFile: "/tmp/o.json" });
    expect(text).toContain("name: support-triage-mcp");
    expect(text).not.toContain("127.0.0.1:4010");
    expect(text).toContain(`command: ${JSON.stringify(process.execPath)}`);
    expect(text).toContain(`args: [${JSON.stringify(trackerMcpPath)}]`);
    expect(text).toContain(
      'env: { TRACKER_URL: "http://127.0.0.1:5555/tracker", TRACKER_MCP_OVERRIDES: "/tmp/o.json" }',
    );
    expect(trackerMcpPath.endsWith("/examples/support-triage/dist/tracker-mcp.js")).toBe(true);
  });
});
