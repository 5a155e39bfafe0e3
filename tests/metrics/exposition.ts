/** One sample line of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Reads the Prometheus text exposition format (version 0.0.4): `name{label="value",...} number`, label values
 * with \\, \" and \n escapes; comment lines (# HELP, # TYPE) skipped. Throws on a line it cannot read, so a
 * malformed exposition fails the test instead of passing unread.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!head?.[1]) throw new Error(`unreadable exposition line: ${line}`);
    const name = head[1];
    let at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === '{') {
      at += 1;
      while (line[at] !== '}') {
        const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
        if (!label?.[1]) throw new Error(`unreadable label in: ${line}`);
        at += label[0].length;
        let value = '';
        while (line[at] !== '"') {
          if (at >= line.length) throw new Error(`unterminated label value in: ${line}`);
          if (line[at] === '\\') {
            const escaped = line[at + 1];
            value += escaped === 'n' ? '\n' : (escaped ?? '');
            at += 2;
          } else {
            value += line[at];
            at += 1;
          }
        }
        labels[label[1]] = value;
        at += 1;
        if (line[at] === ',') at += 1;
      }
      at += 1;
    }
    const rest = line.slice(at).trim().split(/\s+/);
    const raw = rest[0] ?? '';
    // Prometheus reads NaN in any letter case (prom-client writes "Nan").
    const isNaNText = /^nan$/i.test(raw);
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : isNaNText ? NaN : Number(raw);
    if (raw === '' || (Number.isNaN(value) && !isNaNText)) throw new Error(`unreadable value in: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}
