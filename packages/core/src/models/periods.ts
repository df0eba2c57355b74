/** Spend periods of a workspace's caps, in UTC: "2026-01-31" (day) and "2026-01" (month). */
export function spendPeriods(at: Date): { day: string; month: string } {
  const iso = at.toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}
