// Measures throughput by running a case repeatedly for a fixed time slice and
// taking the median of several slices; prints a table or JSON lines.

export interface Measurement {
  readonly bench: string;
  readonly impl: string;
  readonly value: number;
  readonly unit: string;
}

const SLICES = 7;
const SLICE_MS = 150;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/**
 * Runs `run` (one unit of work that handles `unitsPerRun` items) in timed
 * slices after a warm-up and returns the median items per second.
 */
export async function throughput(run: () => unknown, unitsPerRun: number): Promise<number> {
  const isAsync = run() instanceof Promise;
  const slice = async (): Promise<number> => {
    const start = performance.now();
    let runs = 0;
    let elapsed = 0;
    do {
      if (isAsync) await run();
      else run();
      runs++;
      elapsed = performance.now() - start;
    } while (elapsed < SLICE_MS);
    return (runs * unitsPerRun) / (elapsed / 1000);
  };
  await slice(); // warm-up: let the JIT settle
  const rates: number[] = [];
  for (let i = 0; i < SLICES; i++) rates.push(await slice());
  return median(rates);
}

export class Report {
  readonly measurements: Measurement[] = [];

  add(bench: string, impl: string, value: number, unit: string): void {
    this.measurements.push({ bench, impl, value, unit });
  }

  value(bench: string, impl: string): number | undefined {
    return this.measurements.find((m) => m.bench === bench && m.impl === impl)?.value;
  }

  toJsonLines(): string {
    return this.measurements.map((m) => JSON.stringify({ ...m, value: Number(m.value.toPrecision(4)) })).join("\n");
  }

  /** One row per bench: each implementation's figure and loglab's ratio to it. */
  toTable(): string {
    const benches = [...new Set(this.measurements.map((m) => m.bench))];
    const lines: string[] = [];
    for (const bench of benches) {
      const rows = this.measurements.filter((m) => m.bench === bench);
      const ours = this.value(bench, "loglab");
      lines.push(bench);
      for (const m of rows) {
        const ratio = ours !== undefined && m.impl !== "loglab" ? `  loglab = ${(ours / m.value).toFixed(2)}x` : "";
        lines.push(`  ${m.impl.padEnd(10)} ${formatNumber(m.value).padStart(10)} ${m.unit}${ratio}`);
      }
    }
    return lines.join("\n");
  }
}

function formatNumber(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}
