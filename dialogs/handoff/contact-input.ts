const maxNameLength = 60;
const maxBestTimeLength = 100;

/** How the person wants to be addressed: any letters, trimmed; undefined for empty or over-long answers. */
export function parseName(text: string): string | undefined {
  const name = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!/\p{L}/u.test(name) || name.length > maxNameLength) return undefined;
  return name;
}

/**
 * An email address, lower-cased domain; undefined if it is not one. Deliberately loose (a typo is caught by
 * the read-back, and the study team also has the phone number), but it must have a name, an @ and a domain.
 */
export function parseEmail(text: string): string | undefined {
  const email = text.normalize('NFKC').trim().replace(/[。.，,]+$/u, '');
  const match = /^([^\s@]+)@([^\s@]+\.[^\s@.]{2,})$/u.exec(email);
  if (!match?.[1] || !match[2] || email.length > 254) return undefined;
  return `${match[1]}@${match[2].toLowerCase()}`;
}

/** A typed best time to call ("after 6pm", "周末"); a question never gets here (interpretTurn keeps it). */
export function parseBestTime(text: string): string | undefined {
  const time = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  if (!time || time.length > maxBestTimeLength) return undefined;
  return time;
}
