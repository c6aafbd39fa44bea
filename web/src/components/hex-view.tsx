// The raw bytes of one batch, 16 to a row, each byte coloured by the
// RecordBatch v2 field it belongs to; hovering or focusing a field names it
// and its value, and the legend lists every field in byte order.

import { useState } from "preact/hooks";
import { batchFields, type ByteField } from "../engine/batch-fields.ts";

const ROW_BYTES = 16;

function fieldClass(field: ByteField): string {
  if (field.part === "batch header") return "f-header";
  if (field.part.includes("header")) return "f-rheader";
  if (field.name === "key" || field.name === "keyLength") return "f-key";
  if (field.name === "value" || field.name === "valueLength") return "f-value";
  return "f-record";
}

export function HexView({ bytes }: { bytes: Uint8Array }) {
  const fields = batchFields(bytes);
  const [selected, setSelected] = useState<number | null>(null);
  const owner = new Int32Array(bytes.length).fill(-1);
  fields.forEach((field, index) => owner.fill(index, field.start, field.end));
  const rows = [];
  for (let row = 0; row < bytes.length; row += ROW_BYTES) {
    const cells = [];
    for (let i = row; i < Math.min(row + ROW_BYTES, bytes.length); i++) {
      const index = owner[i]!;
      const field = fields[index];
      cells.push(
        <span
          key={i}
          class={`byte ${field === undefined ? "" : fieldClass(field)}${index === selected ? " selected" : ""}`}
          title={field === undefined ? undefined : `${field.part}: ${field.name} = ${field.value}`}
          onMouseEnter={() => setSelected(index)}
        >
          {bytes[i]!.toString(16).padStart(2, "0")}
        </span>,
      );
    }
    rows.push(<div key={row} class="hex-row"><span class="hex-address">{row.toString(16).padStart(4, "0")}</span>{cells}</div>);
  }
  const chosen = selected === null ? undefined : fields[selected];
  return (
    <div class="hex">
      <div class="hex-bytes" aria-hidden="true">{rows}</div>
      <p class="hex-focus" aria-live="polite">
        {chosen === undefined ? "Point at a byte, or pick a field below, to see what it is." : `${chosen.part} · ${chosen.name} (bytes ${chosen.start}–${chosen.end - 1}) = ${chosen.value}`}
      </p>
      <table class="fields">
        <caption>Every field of this batch, in byte order</caption>
        <thead><tr><th scope="col">bytes</th><th scope="col">part</th><th scope="col">field</th><th scope="col">value</th></tr></thead>
        <tbody>
          {fields.map((field, index) => (
            <tr key={index} class={index === selected ? "selected" : ""} tabIndex={0} onFocus={() => setSelected(index)} onMouseEnter={() => setSelected(index)}>
              <td class={fieldClass(field)}>{field.start}–{field.end - 1}</td>
              <td>{field.part}</td>
              <td>{field.name}</td>
              <td class="value">{field.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
