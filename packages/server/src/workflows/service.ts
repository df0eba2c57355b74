import { structuredPatch } from "diff";
import { type CompiledWorkflow, compileWorkflow, loadManifest, type Manifest, TollgateError } from "@tollgate/core";
import type { Store, ToolPinRecord } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { Principal } from "../identity/principal.js";

/** Pins the upstream tool definitions a new manifest version uses (MCP, DESIGN §3 stage 4). */
export interface ToolPinner {
  pinsFor(
    tenantId: string,
    workspaceId: string,
    wf: CompiledWorkflow,
    by: string,
  ): Promise<Omit<ToolPinRecord, "acceptedAt" | "acceptedBy">[]>;
}

/**
 * Workflow manifests: validated whole (a bad one changes nothing), stored by content version,
 * compiled once per version and kept compiled in memory.
 */
export class WorkflowService {
  private readonly compiled = new Map<string, CompiledWorkflow>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly pinner?: ToolPinner,
  ) {}

  async put(
    p: Principal,
    tenantId: string,
    workspaceId: string,
    name: string,
    source: string,
  ): Promise<{ name: string; version: string; created: boolean }> {
    const { manifest, version } = loadManifest(source);
    if (manifest.name !== name) {
      throw new TollgateError("invalid_manifest", `the manifest is named ${manifest.name} but was sent to ${name}`, {
        errors: [{ path: "name", message: `must be ${name}, the name in the URL` }],
      });
    }
    const wf = this.compile(tenantId, workspaceId, manifest, version);
    // A new version pins its upstream MCP tools first: a missing tool rejects the manifest.
    const known = await this.store.scope(tenantId).workflows.getVersion(workspaceId, name, version);
    const pins = known || !this.pinner ? [] : await this.pinner.pinsFor(tenantId, workspaceId, wf, p.keyId);
    const now = iso(this.clock);
    const created = await this.store.transaction(tenantId, async (s) => {
      const previous = await s.workflows.getActive(workspaceId, name);
      const isNew = await s.workflows.putVersion({
        workspaceId,
        name,
        version,
        source,
        manifest,
        createdAt: now,
        createdBy: p.keyId,
      });
      if (isNew && pins.length > 0) {
        await s.toolPins.insert(pins);
        await s.audit.append(
          [
            {
              type: "tools.pinned",
              workspace: workspaceId,
              actor: p.keyId,
              data: {
                workflow: name,
                version,
                pins: pins.map((x) => ({ system: x.system, tool: x.tool, hash: x.hash })),
              },
            },
          ],
          now,
        );
      }
      if (previous?.version !== version) {
        await s.audit.append(
          [
            {
              type: "workflow.updated",
              workspace: workspaceId,
              actor: p.keyId,
              data: { workflow: name, version, previousVersion: previous?.version ?? null },
            },
          ],
          now,
        );
      }
      return isNew;
    });
    return { name, version, created };
  }

  async getActive(
    tenantId: string,
    workspaceId: string,
    name: string,
  ): Promise<{ name: string; version: string; manifest: Manifest; source: string }> {
    const v = await this.store.scope(tenantId).workflows.getActive(workspaceId, name);
    if (!v) throw new TollgateError("not_found", `no workflow ${name} in workspace ${workspaceId}`);
    return { name, version: v.version, manifest: v.manifest as Manifest, source: v.source };
  }

  /** Every version of a workflow, newest first, and which one is active. */
  async history(tenantId: string, workspaceId: string, name: string) {
    const active = await this.getActive(tenantId, workspaceId, name);
    return {
      name,
      active: active.version,
      items: await this.store.scope(tenantId).workflows.history(workspaceId, name),
    };
  }

  /** One version as it was put: the manifest and the source text it came from (YAML or JSON). */
  async version(tenantId: string, workspaceId: string, name: string, version: string) {
    const v = await this.store.scope(tenantId).workflows.getVersion(workspaceId, name, version);
    if (!v) throw new TollgateError("not_found", `no version ${version} of workflow ${name}`);
    return {
      name,
      version: v.version,
      manifest: v.manifest as Manifest,
      source: v.source,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
    };
  }

  /**
   * What changed between two versions, as written: hunks of a line diff of their sources. By
   * default `to` is the active version and `from` the one put before `to`.
   */
  async diff(tenantId: string, workspaceId: string, name: string, which: { from?: string; to?: string }) {
    const { active, items } = await this.history(tenantId, workspaceId, name);
    const toVersion = which.to ?? active;
    const at = items.findIndex((v) => v.version === toVersion);
    if (at === -1) throw new TollgateError("not_found", `no version ${toVersion} of workflow ${name}`);
    const fromVersion = which.from ?? items[at + 1]?.version;
    if (fromVersion === undefined)
      throw new TollgateError("not_found", `workflow ${name} has no version before ${toVersion} to compare with`);
    const [from, to] = await Promise.all([
      this.version(tenantId, workspaceId, name, fromVersion),
      this.version(tenantId, workspaceId, name, toVersion),
    ]);
    const patch = structuredPatch(from.version, to.version, withNewline(from.source), withNewline(to.source), "", "", {
      context: 3,
    });
    return {
      name,
      from: { version: from.version, createdAt: from.createdAt, createdBy: from.createdBy },
      to: { version: to.version, createdAt: to.createdAt, createdBy: to.createdBy },
      // each hunk is {oldStart, oldLines, newStart, newLines, lines}
      hunks: patch.hunks,
    };
  }

  /** The compiled form of a pinned version (runs use the version they started with). */
  async compiledVersion(
    tenantId: string,
    workspaceId: string,
    name: string,
    version: string,
  ): Promise<CompiledWorkflow> {
    const hit = this.compiled.get(cacheKey(tenantId, workspaceId, version));
    if (hit) return hit;
    const v = await this.store.scope(tenantId).workflows.getVersion(workspaceId, name, version);
    if (!v) throw new TollgateError("not_found", `no version ${version} of workflow ${name}`);
    return this.compile(tenantId, workspaceId, v.manifest as Manifest, version);
  }

  async compiledActive(tenantId: string, workspaceId: string, name: string): Promise<CompiledWorkflow> {
    const v = await this.getActive(tenantId, workspaceId, name);
    return this.compiledVersion(tenantId, workspaceId, name, v.version);
  }

  private compile(tenantId: string, workspaceId: string, manifest: Manifest, version: string): CompiledWorkflow {
    const key = cacheKey(tenantId, workspaceId, version);
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const wf = compileWorkflow(manifest, version);
    this.compiled.set(key, wf);
    return wf;
  }
}

const cacheKey = (tenantId: string, workspaceId: string, version: string) => `${tenantId}/${workspaceId}/${version}`;

/** A diff of texts of which one lacks a final newline would show that as a change of its own. */
function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
