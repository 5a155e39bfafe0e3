/**
 * `npm run teams:package`: writes dist/teams/trialguide-teams.zip, the Teams app package to upload in the
 * Teams admin center or Developer Portal: manifest.json (schema 1.22, from teams/manifest.template.json),
 * zh-cn.json, zh-tw.json and zh-hk.json (teams/localization/), and the two icons, drawn here in the site's colour.
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PNG } from 'pngjs';
import { ZipFile } from 'yazl';
import { buildManifest } from '../src/channels/teams/app-manifest';
import { type AppConfig, loadConfig } from '../src/config/load-config';

export const packageFileName = 'trialguide-teams.zip';
/** Simplified for zh-CN, Taiwan and Hong Kong Traditional each with its own wording (甚麼 / 什麼, 致電 / 回電). */
export const localizationFiles = { 'zh-cn': 'zh-cn.json', 'zh-tw': 'zh-tw.json', 'zh-hk': 'zh-hk.json' } as const;

/** The template's developer URLs point at the chat page's privacy notice until the hospital puts its own. */
const placeholderPolicyPath = '/#privacy';

/** Fixed, so two builds of the same inputs give the same bytes. */
const entryTime = new Date(Date.UTC(2026, 0, 1));

export interface TeamsPackageResult {
  zipPath: string;
  manifest: Record<string, unknown>;
  warnings: string[];
}

type Rgb = readonly [number, number, number];

function parseHexColor(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/**
 * The mark, in a unit square: a speech bubble (rounded rectangle with a tail at the lower left) holding a
 * plus sign — "a conversation about care". Points are tested, so every size is drawn from the same shape.
 */
const mark = {
  inBubble(x: number, y: number, inset = 0): boolean {
    const left = inset;
    const top = inset;
    const right = 1 - inset;
    const bottom = 0.75 - inset;
    const radius = Math.max(0.18 - inset, 0.01);
    if (x < left || x > right || y < top || y > bottom) return false;
    const cx = Math.min(Math.max(x, left + radius), right - radius);
    const cy = Math.min(Math.max(y, top + radius), bottom - radius);
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
  },
  inTail(x: number, y: number): boolean {
    // Triangle (0.2, 0.7) – (0.2, 1.0) – (0.48, 0.7).
    if (x < 0.2 || y < 0.7 || y > 1) return false;
    return (x - 0.2) / 0.28 + (y - 0.7) / 0.3 <= 1;
  },
  inPlus(x: number, y: number): boolean {
    const dx = Math.abs(x - 0.5);
    const dy = Math.abs(y - 0.375);
    return (dx <= 0.075 && dy <= 0.23) || (dy <= 0.075 && dx <= 0.23);
  },
};

/** 4x4 samples per pixel: smooth edges without a drawing library. */
const samples = 4;

function drawIcon(size: number, markBox: { offset: number; size: number }, paint: (u: number, v: number) => [...Rgb, number] | undefined, background: [...Rgb, number]): Buffer {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          const u = (px + (sx + 0.5) / samples - markBox.offset) / markBox.size;
          const v = (py + (sy + 0.5) / samples - markBox.offset) / markBox.size;
          const [r, g, b, a] = paint(u, v) ?? background;
          // Premultiplied, so a half-covered white edge on transparency stays white, not grey.
          sum[0]! += r * a;
          sum[1]! += g * a;
          sum[2]! += b * a;
          sum[3]! += a;
        }
      }
      const index = (py * size + px) * 4;
      const alpha = sum[3]! / samples ** 2;
      for (let channel = 0; channel < 3; channel += 1) png.data[index + channel] = alpha > 0 ? Math.round(sum[channel]! / sum[3]!) : 0;
      png.data[index + 3] = Math.round(alpha * 255);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** 192x192, full bleed in the site colour, the mark in white within the central ~100 px as Teams asks. */
export function drawColorIcon(primaryColor: string): Buffer {
  const primary = parseHexColor(primaryColor);
  return drawIcon(
    192,
    { offset: 46, size: 100 },
    (u, v) => {
      if (mark.inBubble(u, v) && mark.inPlus(u, v)) return [...primary, 1];
      if (mark.inBubble(u, v) || mark.inTail(u, v)) return [255, 255, 255, 1];
      return undefined;
    },
    [...primary, 1],
  );
}

/** 32x32, white on transparent (Teams tints it): the bubble's outline and the plus sign. */
export function drawOutlineIcon(): Buffer {
  const stroke = 2.2 / 26;
  return drawIcon(
    32,
    { offset: 3, size: 26 },
    (u, v) => {
      const outline = (mark.inBubble(u, v) && !mark.inBubble(u, v, stroke)) || (mark.inTail(u, v) && !mark.inBubble(u, v, stroke));
      return outline || mark.inPlus(u, v) ? [255, 255, 255, 1] : undefined;
    },
    [0, 0, 0, 0],
  );
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function buildTeamsPackage(config: AppConfig, outDir = path.join(config.rootDir, 'dist', 'teams')): Promise<TeamsPackageResult> {
  const teamsDir = path.join(config.rootDir, 'teams');
  const { version } = readJson(path.join(config.rootDir, 'package.json')) as { version: string };
  const { manifest, warnings } = buildManifest(readJson(path.join(teamsDir, 'manifest.template.json')), {
    botId: config.env.MicrosoftAppId,
    version,
    publicBaseUrl: config.env.PUBLIC_BASE_URL,
    developerName: config.site.siteName.en,
    accentColor: config.site.theme.primaryColor,
  });
  if (config.site.example) warnings.push('The site configuration holds EXAMPLE values: the developer name and colour come from it.');
  const developer = manifest.developer as { privacyUrl?: string; termsOfUseUrl?: string } | undefined;
  const placeholders = (['privacyUrl', 'termsOfUseUrl'] as const).filter((field) => developer?.[field]?.endsWith(placeholderPolicyPath));
  if (placeholders.length > 0) {
    warnings.push(`developer.${placeholders.join(' and developer.')} still point at the chat page's privacy notice (placeholders): put the hospital's privacy statement and terms of use in teams/manifest.template.json before publishing.`);
  }

  const zip = new ZipFile();
  const add = (name: string, content: Buffer) => zip.addBuffer(content, name, { mtime: entryTime, mode: 0o100644 });
  add('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  for (const file of Object.values(localizationFiles)) add(file, readFileSync(path.join(teamsDir, 'localization', file)));
  add('color.png', drawColorIcon(config.site.theme.primaryColor));
  add('outline.png', drawOutlineIcon());
  zip.end();

  mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, packageFileName);
  await pipeline(zip.outputStream, createWriteStream(zipPath));
  return { zipPath, manifest, warnings };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const result = await buildTeamsPackage(config);
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  console.log(`${path.relative(process.cwd(), result.zipPath)}: Teams app ${String(result.manifest.id)}, version ${String(result.manifest.version)}, manifest ${String(result.manifest.manifestVersion)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
