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
