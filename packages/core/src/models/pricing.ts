/** Price of a model in US dollars per million tokens, input (prompt) and output (completion). */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

const perToken = (perMTok: number) => perMTok / 1_000_000;

/** What a call cost by the provider's reported usage. */
export function costOf(price: ModelPrice, usage: TokenUsage): number {
  return usage.inputTokens * perToken(price.inputPerMTok) + usage.outputTokens * perToken(price.outputPerMTok);
}

/**
 * The most a call can cost, reserved before it is sent: the prompt counted as one token per UTF-8
 * byte (no tokenizer produces more tokens than bytes, plus a small overhead per message) and the
 * full `max_tokens` of output. Settlement from the reported usage gives the difference back, so
 * parallel calls cannot together pass a budget.
 */
export function reservationOf(price: ModelPrice, promptBytes: number, messages: number, maxTokens: number): number {
  const inputBound = promptBytes + 8 * messages + 16;
  return costOf(price, { inputTokens: inputBound, outputTokens: maxTokens });
}

/** The price of `model` in a table: exact name, else the longest listed prefix ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"). */
export function priceFor(table: Record<string, ModelPrice>, model: string): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  let best: string | undefined;
  for (const name of Object.keys(table))
    if (model.startsWith(`${name}-`) && (!best || name.length > best.length)) best = name;
  return best === undefined ? undefined : table[best];
}
