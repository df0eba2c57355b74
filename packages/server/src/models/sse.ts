/** One server-sent event: its `event:` name (if any) and its `data:` lines joined. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * An incremental reader of a server-sent event stream (text/event-stream). The proxy passes the
 * provider's bytes on untouched and feeds a copy here only to see the usage the provider reports.
 */
export class SseReader {
  private buffer = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.buffer);
      if (!m) break;
      const block = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const e = parseBlock(block);
      if (e) events.push(e);
    }
    // a provider that never ends an event must not grow this without bound
    if (this.buffer.length > 1_000_000) this.buffer = "";
    return events;
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return undefined;
  return { ...(event ? { event } : {}), data: data.join("\n") };
}
