// The few protocol-buffer messages a BuildKit build needs (session answers, status traces), read and
// written by hand: a gRPC library would weigh on the extension's bundle for five small messages.

export interface Field {
  field: number;
  /** Varint fields: the number (bigint when it does not fit). Length-delimited: the bytes. */
  value: number | Buffer;
}

function readVarint(buffer: Buffer, offset: number): [number, number] {
  let result = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= buffer.length) throw new Error('truncated protobuf varint');
    const byte = buffer[position++];
    // Beyond 2^53 precision is lost; the fields read here (sizes, flags, seconds) never get there.
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [result, position];
  }
}

/** The fields of one message, in order (repeated fields appear once per value). */
export function decodeFields(buffer: Buffer): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, next] = readVarint(buffer, offset);
    offset = next;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [value, after] = readVarint(buffer, offset);
      fields.push({ field, value });
      offset = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(buffer, offset);
      fields.push({ field, value: buffer.subarray(after, after + length) });
      offset = after + length;
    } else if (wire === 1) {
      offset += 8;
    } else if (wire === 5) {
      offset += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

export type FieldValue = string | Buffer | number | boolean | undefined;

/** A message of [field number, value] pairs: strings and bytes length-delimited, numbers varints. */
export function encodeFields(fields: [number, FieldValue][]): Buffer {
  const parts: Buffer[] = [];
  for (const [field, value] of fields) {
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'boolean') {
      parts.push(varint(field * 8), varint(Number(value)));
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      parts.push(varint(field * 8 + 2), varint(bytes.length), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** The first value of a field as text. */
export function text(fields: Field[], field: number): string {
  const found = fields.find((entry) => entry.field === field)?.value;
  return Buffer.isBuffer(found) ? found.toString('utf8') : '';
}

export function number(fields: Field[], field: number): number {
  const found = fields.find((entry) => entry.field === field)?.value;
  return typeof found === 'number' ? found : 0;
}

export function bytes(fields: Field[], field: number): Buffer | undefined {
  const found = fields.find((entry) => entry.field === field)?.value;
  return Buffer.isBuffer(found) ? found : undefined;
}

export function all(fields: Field[], field: number): Buffer[] {
  return fields
    .filter((entry) => entry.field === field && Buffer.isBuffer(entry.value))
    .map((entry) => entry.value as Buffer);
}
