// What the CLI says about a partition that opening a data dir recovered: what
// was cut and where it was moved, which offsets are a gap, and why.

import type { RecoveryReport } from "../log/index.ts";

/** Lines for stderr (none when the recovery found nothing wrong). */
export function describeRecovery(report: RecoveryReport): string[] {
  const lines: string[] = [];
  for (const segment of report.recovered) {
    if (segment.error === null) continue;
    const action = segment.truncatedBytes > 0
      ? `truncated ${segment.truncatedBytes} bytes of ${segment.fileName}`
      : `read ${segment.fileName} up to byte ${segment.validBytes} and left the ${segment.unreadBytes} bytes after it in place`;
    lines.push(`recovered ${report.topicPartition}: ${action} (${segment.error.message})`);
  }
  for (const moved of report.quarantined) {
    lines.push(
      `recovered ${report.topicPartition}: moved bytes ${moved.startByte}-${moved.endByte} of ${moved.fromFile} to ${moved.path} (${moved.reason})`,
    );
  }
  for (const gap of report.gaps) {
    lines.push(
      `recovered ${report.topicPartition}: offsets ${gap.fromOffset} to ${gap.toOffset - 1} are missing ` +
        `(${gap.fileName} is damaged from byte ${gap.position}: ${gap.reason}); reads skip to offset ${gap.toOffset}`,
    );
  }
  return lines;
}
