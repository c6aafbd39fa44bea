// How consume and dump write bytes as text: UTF-8, hex or base64.

export type ByteEncoding = "utf8" | "hex" | "base64";
export const BYTE_ENCODINGS: readonly ByteEncoding[] = ["utf8", "hex", "base64"];

const decoder = new TextDecoder();

export function encodeBytes(bytes: Uint8Array | null, encoding: ByteEncoding): string | null {
  if (bytes === null) return null;
  switch (encoding) {
    case "utf8":
      return decoder.decode(bytes);
    case "hex":
      return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    case "base64": {
      let binary = "";
      for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
      return btoa(binary);
    }
  }
}
