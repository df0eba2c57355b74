import {
  type ArgsValidator,
  type CompiledAction,
  type CompiledWorkflow,
  type ErrorItem,
  type McpToolDefinition,
  pinnedPart,
  resolveAction,
  schemaValidator,
  TollgateError,
  toolDefinitionHash,
} from "@tollgate/core";
import type { Store, ToolPinRecord } from "@tollgate/store";
import { type Clock, iso } from "../../clock.js";
import type { Principal } from "../../identity/principal.js";
import { ConnectorError } from "../types.js";
import { type McpPool, type McpSpec, toDefinition } from "./pool.js";

export type NewToolPin = Omit<ToolPinRecord, "acceptedAt" | "acceptedBy">;

export type PinVerdict =
  | { changed: false; pin: ToolPinRecord; validateArgs?: ArgsValidator }
  | { changed: true; reason: string; pinnedHash: string | null; currentHash: string | null };

export interface PinStatus {
  tool: string;
  system: string;
  upstreamTool: string;
  pinnedHash: string;
  currentHash: string | null;
  changed: boolean;
  pinnedAt: string;
  acceptedAt: string | null;
  acceptedBy: string | null;
}

type PinnedDefinition = { name: string; description: string | null; inputSchema: unknown };

/**
 * Tool pinning (DESIGN §3 stage 4), the defence against the MCP "rug pull": the definition of
 * each upstream tool a workflow version uses is hashed when the version is created; a call to a
 * tool whose definition changed since is blocked until an admin accepts the new definition.
 */
export class ToolPins {
  private readonly validators = new Map<string, ArgsValidator>();
  private readonly converted = new WeakMap<object, Map<string, McpToolDefinition>>();
  private readonly hashes = new WeakMap<McpToolDefinition, string>();

  constructor(
    private readonly store: Store,
    private readonly pool: McpPool,
    private readonly clock: Clock,
  ) {}

  /**
   * The pins of a new manifest version: one per upstream tool its MCP actions use. A tool the
   * upstream does not offer rejects the manifest; an upstream that cannot be reached too (what
   * cannot be seen cannot be pinned).
   */
  async pinsFor(tenantId: string, workspaceId: string, wf: CompiledWorkflow, by: string): Promise<NewToolPin[]> {
    const bySystem = new Map<string, CompiledAction[]>();
    for (const a of wf.actions.values()) {
      if (a.connector.type !== "mcp") continue;
      bySystem.set(a.system, [...(bySystem.get(a.system) ?? []), a]);
    }
    const pins: NewToolPin[] = [];
    const errors: ErrorItem[] = [];
    const now = iso(this.clock);
    for (const [system, actions] of bySystem) {
      const tools = await this.upstreamTools(tenantId, workspaceId, system, actions[0] as CompiledAction).catch((e) => {
        throw new TollgateError(
          "upstream_failed",
          `cannot pin the tools of system ${system}: ${(e as Error).message}. A manifest with MCP systems is stored only when Tollgate can list their tools.`,
          { system },
        );
      });
      const seen = new Set<string>();
      for (const a of actions) {
        const name = upstreamName(a);
        const tool = tools.get(name);
        if (!tool) {
          const offered = [...tools.keys()].sort().join(", ") || "none";
          errors.push({
            path: `systems.${system}.actions.${a.action}`,
            message: `the MCP server of ${system} has no tool "${name}" (it offers: ${offered})`,
          });
          continue;
        }
        if (seen.has(name)) continue;
        seen.add(name);
        pins.push({
          workspaceId,
          workflow: wf.name,
          version: wf.version,
          system,
          tool: name,
          hash: this.hashOf(tool),
          definition: pinnedPart(tool),
          pinnedAt: now,
          pinnedBy: by,
        });
      }
    }
    if (errors.length > 0) {
      throw new TollgateError(
        "invalid_manifest",
        `${errors[0]?.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
        {
          errors,
        },
      );
    }
    return pins;
  }

  /** Stage check of one call: the upstream's current definition against the pin. */
  async verify(
    tenantId: string,
    workspaceId: string,
    wf: CompiledWorkflow,
    action: CompiledAction,
  ): Promise<PinVerdict> {
    const name = upstreamName(action);
    const pin = await this.store.scope(tenantId).toolPins.get(workspaceId, wf.name, wf.version, action.system, name);
    let tools: Map<string, McpToolDefinition>;
    try {
      tools = await this.upstreamTools(tenantId, workspaceId, action.system, action);
    } catch (e) {
      if (!(e instanceof ConnectorError)) throw e;
      throw new TollgateError("upstream_failed", `cannot check the definition of ${action.id} upstream: ${e.message}`);
    }
    const current = tools.get(name);
    const currentHash = current ? this.hashOf(current) : null;
    if (!pin) {
      return {
        changed: true,
        reason: `${action.id} has no pinned definition in workflow version ${wf.version}; an admin must accept it (tollgate tools accept)`,
        pinnedHash: null,
        currentHash,
      };
    }
    if (!current || currentHash !== pin.hash) {
      return {
        changed: true,
        reason: current
          ? `the upstream definition of ${action.id} (tool ${name}) changed since it was pinned; calls are blocked until an admin accepts it (tollgate tools accept)`
          : `the upstream no longer offers tool ${name} of ${action.id}`,
        pinnedHash: pin.hash,
        currentHash,
      };
    }
    if (action.inputSchema) return { changed: false, pin };
    return { changed: false, pin, validateArgs: this.validatorFor(pin) };
  }

  /** The pinned definitions of a version's MCP actions, by action id (what tools/list shows). */
  async definitions(
    tenantId: string,
    workspaceId: string,
    wf: CompiledWorkflow,
  ): Promise<Map<string, PinnedDefinition>> {
    const pins = await this.store.scope(tenantId).toolPins.listForVersion(workspaceId, wf.name, wf.version);
    const out = new Map<string, PinnedDefinition>();
    for (const a of wf.actions.values()) {
      if (a.connector.type !== "mcp") continue;
      const pin = pins.find((p) => p.system === a.system && p.tool === upstreamName(a));
      if (pin) out.set(a.id, pin.definition as PinnedDefinition);
    }
    return out;
  }

  /** Pins of a workflow's active version with the upstream's current hash beside each. */
  async status(tenantId: string, workspaceId: string, wf: CompiledWorkflow): Promise<PinStatus[]> {
    const pins = await this.store.scope(tenantId).toolPins.listForVersion(workspaceId, wf.name, wf.version);
    const out: PinStatus[] = [];
    for (const a of wf.actions.values()) {
      if (a.connector.type !== "mcp") continue;
      const name = upstreamName(a);
      const pin = pins.find((p) => p.system === a.system && p.tool === name);
      const current = await this.upstreamTools(tenantId, workspaceId, a.system, a)
        .then((t) => t.get(name))
        .catch(() => undefined);
      const currentHash = current ? this.hashOf(current) : null;
      out.push({
        tool: a.id,
        system: a.system,
        upstreamTool: name,
        pinnedHash: pin?.hash ?? "",
        currentHash,
        changed: !pin || currentHash !== pin.hash,
        pinnedAt: pin?.pinnedAt ?? "",
        acceptedAt: pin?.acceptedAt ?? null,
        acceptedBy: pin?.acceptedBy ?? null,
      });
    }
    return out;
  }

  /**
   * An admin accepts the upstream's current definition of one tool for a workflow: every version
   * of the workflow that pins it takes the new hash (runs keep their version), on record.
   */
  async accept(p: Principal, tenantId: string, workspaceId: string, wf: CompiledWorkflow, tool: string) {
    const action = resolveAction(wf, tool);
    if (!action) throw new TollgateError("not_found", `${tool} is not an action of workflow ${wf.name}`);
    if (action.connector.type !== "mcp")
      throw new TollgateError("invalid_request", `${action.id} is not an MCP action: it has no pinned tool definition`);
    const name = upstreamName(action);
    const current = (
      await this.upstreamTools(tenantId, workspaceId, action.system, action).catch((e) => {
        throw new TollgateError(
          "upstream_failed",
          `cannot read the definition of ${action.id} upstream: ${(e as Error).message}`,
        );
      })
    ).get(name);
    if (!current)
      throw new TollgateError("conflict", `the upstream no longer offers tool ${name}: there is nothing to accept`);
    const hash = this.hashOf(current);
    const definition = pinnedPart(current);
    const now = iso(this.clock);
    return this.store.transaction(tenantId, async (s) => {
      const before = await s.toolPins.accept(workspaceId, wf.name, action.system, name, {
        hash,
        definition,
        at: now,
        by: p.keyId,
      });
      if (!before.some((b) => b.version === wf.version)) {
        await s.toolPins.insert([
          {
            workspaceId,
            workflow: wf.name,
            version: wf.version,
            system: action.system,
            tool: name,
            hash,
            definition,
            pinnedAt: now,
            pinnedBy: p.keyId,
          },
        ]);
      }
      const previousHashes = [...new Set(before.map((b) => b.hash))];
      const changed = previousHashes.length !== 1 || previousHashes[0] !== hash;
      if (changed) {
        await s.audit.append(
          [
            {
              type: "tool.accepted",
              workspace: workspaceId,
              actor: p.keyId,
              data: { workflow: wf.name, tool: action.id, upstreamTool: name, previousHashes, hash, definition },
            },
          ],
          now,
        );
      }
      return {
        tool: action.id,
        upstreamTool: name,
        hash,
        previousHashes,
        changed,
        versions: Math.max(before.length, 1),
      };
    });
  }

  /** The upstream's tools from its connection's cached list (converted once per listed tool). */
  private async upstreamTools(
    tenantId: string,
    workspaceId: string,
    system: string,
    action: CompiledAction,
  ): Promise<Map<string, McpToolDefinition>> {
    const conn = this.pool.for({ tenantId, workspaceId, system, spec: action.connector as McpSpec });
    const tools = await conn.listTools();
    let defs = this.converted.get(tools);
    if (!defs) {
      defs = new Map([...tools].map(([k, t]) => [k, toDefinition(t)]));
      this.converted.set(tools, defs);
    }
    return defs;
  }

  /** A definition's hash, computed once per listed tool. */
  private hashOf(t: McpToolDefinition): string {
    let h = this.hashes.get(t);
    if (!h) {
      h = toolDefinitionHash(t);
      this.hashes.set(t, h);
    }
    return h;
  }

  private validatorFor(pin: ToolPinRecord): ArgsValidator | undefined {
    const schema = (pin.definition as PinnedDefinition).inputSchema;
    if (!schema || typeof schema !== "object") return undefined;
    let v = this.validators.get(pin.hash);
    if (!v) {
      try {
        v = schemaValidator(schema as Record<string, unknown>);
      } catch {
        // A schema ajv cannot compile is the upstream's to enforce; the pin still guards it.
        v = () => [];
      }
      this.validators.set(pin.hash, v);
    }
    return v;
  }
}

export const upstreamName = (a: CompiledAction): string => a.upstreamTool ?? a.action;
