/** Readable output: `name: value` lines, nested elements indented, repeated ones as `- ` items. */
export function render(value: unknown, indent = ''): string[] {
  const lines: string[] = [];
  if (!isObject(value)) return [`${indent}${scalar(value)}`];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'attributes') continue;
    if (Array.isArray(v)) {
      if (v.some(isObject)) lines.push(`${indent}${k}:`);
      for (const item of v) {
        if (isObject(item)) {
          const [first, ...rest] = render(item, `${indent}  `);
          lines.push(`${indent}- ${(first ?? '').trimStart()}`, ...rest);
        } else lines.push(`${indent}${k}: ${scalar(item)}`);
      }
    } else if (isObject(v)) {
      if ('$value' in v) lines.push(`${indent}${k}: ${scalar(v.$value)}`);
      else lines.push(`${indent}${k}:`, ...render(v, `${indent}  `));
    } else lines.push(`${indent}${k}: ${scalar(v)}`);
  }
  return lines;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v === undefined || v === null) return '';
  return String(v);
}

/** One field of the answer by its path (`a.b`, `a.0.b`), for shell scripts (--get). */
export function pick(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isObject(cur)) cur = cur[part];
    else return undefined;
    if (isObject(cur) && '$value' in cur) cur = cur.$value;
  }
  return cur;
}

export function asText(v: unknown): string {
  if (isObject(v) || Array.isArray(v)) return JSON.stringify(v);
  return scalar(v);
}
