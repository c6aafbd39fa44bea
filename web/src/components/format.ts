// Small formatting helpers shared by the views.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

const decoder = new TextDecoder();

/** Bytes as text when they are printable UTF-8, else as hex. */
export function showBytes(bytes: Uint8Array | null): string {
  if (bytes === null) return "null";
  const text = decoder.decode(bytes);
  return /^[\P{C}\n\t]*$/u.test(text) && !text.includes("\uFFFD") ? text : hex(bytes);
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
