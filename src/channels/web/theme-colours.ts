import type { AppConfig } from '../../config/load-config';

export interface ThemeColours {
  primary: string;
  onPrimary: string;
  accent: string;
  onAccent: string;
}

/** Text colour on the hospital's colours: white or near-black, whichever contrasts more (WCAG 1.4.3). */
export function themeColours(config: AppConfig): ThemeColours {
  const { primaryColor, accentColor } = config.site.theme;
  return { primary: primaryColor, onPrimary: readableOn(primaryColor), accent: accentColor, onAccent: readableOn(accentColor) };
}

function relativeLuminance(hex: string): number {
  const channels = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function readableOn(background: string): string {
  const light = relativeLuminance(background);
  const darkText = '#1a1a1a';
  const contrastWithWhite = 1.05 / (light + 0.05);
  const contrastWithDark = (light + 0.05) / (relativeLuminance(darkText) + 0.05);
  return contrastWithWhite >= contrastWithDark ? '#ffffff' : darkText;
}
