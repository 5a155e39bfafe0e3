const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can close or confuse it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `{{name}}` is HTML-escaped, `{{{name}}}` is inserted as is (for markup and JSON built above). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}/g, (match, rawName: string | undefined, escapedName: string | undefined) => {
    const value = values[rawName ?? escapedName ?? ''];
    if (value === undefined) throw new Error(`chat page template: no value for ${match}`);
    return rawName ? value : escapeHtml(value);
  });
}
