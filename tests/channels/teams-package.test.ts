import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recognizeCommand } from '../../dialogs/shared/commands';
import { buildTeamsPackage, localizationFiles, type TeamsPackageResult } from '../../scripts/teams-package';
import { placeholderBotId, teamsAppIdFor } from '../../src/channels/teams/app-manifest';
import { loadConfig, projectRoot } from '../../src/config/load-config';

/** Microsoft's schemas as shipped in @microsoft/app-manifest: no network at test time. */
const schemaDir = path.join(projectRoot, 'node_modules', '@microsoft', 'app-manifest', 'build', 'json-schemas', 'teams', 'v1.22');
const appId = '9b1c4e2a-5d6f-4a7b-8c9d-0e1f2a3b4c5d';

/**
 * Reads a zip through its central directory (what Teams' uploader does): names, methods and sizes come from
 * there, the data from each local header. Only stored (0) and deflated (8) entries, which is all yazl writes.
 */
function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let entry = 0; entry < count; entry += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${entry}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : undefined;
    if (!data || data.length !== size) throw new Error(`cannot read ${name} (method ${method})`);
    files.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function validatorFor(schemaFile: string): ValidateFunction {
  // Microsoft's manifest schemas are JSON Schema draft-04, which Ajv 8 reads only through ajv-draft-04. The
  // localization schema has a pattern ("…\b]\.description$") that is valid only without the `u` flag.
  const ajv = new AjvDraft04({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, schemaFile), 'utf8')) as object);
}

function errorsOf(validate: ValidateFunction, data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

interface Manifest {
  $schema: string;
  manifestVersion: string;
  id: string;
  version: string;
  validDomains: string[];
  developer: { websiteUrl: string };
  icons: Record<string, string>;
  localizationInfo: { defaultLanguageTag: string; additionalLanguages: unknown[] };
  bots: Array<{ botId: string; scopes: string[]; commandLists: Array<{ commands: Array<{ title: string; description: string }> }> }>;
}

/** Follows a localization key such as "bots[0].commandLists[0].commands[1].title" into the manifest. */
function valueAt(root: unknown, key: string): unknown {
  return key
    .split(/[.[\]]+/)
    .filter(Boolean)
    .reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), root);
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trialguide-teams-package-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm run teams:package', () => {
  let result: TeamsPackageResult;
  let files: Map<string, Buffer>;
  let manifest: Manifest;
  const validateManifest = validatorFor('MicrosoftTeams.schema.json');
  const validateLocalization = validatorFor('MicrosoftTeams.Localization.schema.json');

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: tempDir(), MicrosoftAppId: appId, MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', PUBLIC_BASE_URL: 'https://trialguide.example-hospital.org' });
    result = await buildTeamsPackage(config, tempDir());
    files = unzip(readFileSync(result.zipPath));
    manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;
  });

  it('holds exactly the manifest, its three language files and the two icons', () => {
    expect(path.basename(result.zipPath)).toBe('trialguide-teams.zip');
    expect([...files.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png', 'zh-cn.json', 'zh-hk.json', 'zh-tw.json']);
  });

  it('has a manifest valid against Microsoft\'s v1.22 schema', () => {
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.$schema).toContain('/v1.22/MicrosoftTeams.schema.json');
    expect(errorsOf(validateManifest, manifest)).toEqual([]);
  });

  it('the schema check can fail: a wrong scope, a bad bot id or a missing icon are rejected', () => {
    const broken = (change: (copy: Manifest) => void) => {
      const copy = structuredClone(manifest);
      change(copy);
      return errorsOf(validateManifest, copy);
    };
    expect(broken((copy) => (copy.bots[0]!.scopes = ['personal', 'everywhere']))).not.toEqual([]);
    expect(broken((copy) => (copy.bots[0]!.botId = 'not-a-guid'))).not.toEqual([]);
    expect(broken((copy) => delete copy.icons.outline)).not.toEqual([]);
  });

  it('points the bot at MicrosoftAppId with scopes personal and team, and takes version and domain from the project', () => {
    const packageJson = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]!.botId).toBe(appId);
    expect(manifest.bots[0]!.scopes).toEqual(['personal', 'team']);
    expect(manifest.version).toBe(packageJson.version);
    expect(manifest.validDomains).toEqual(['trialguide.example-hospital.org']);
    expect(manifest.developer.websiteUrl).toBe('https://trialguide.example-hospital.org/');
    expect(manifest.id).toBe(teamsAppIdFor(appId));
    expect(manifest.id).not.toBe(appId);
    expect(result.warnings.join('\n')).not.toContain('MicrosoftAppId');
  });

  it('names and describes the app in English, Simplified Chinese and Taiwan and Hong Kong Traditional Chinese, each file valid against the localization schema', () => {
    expect.hasAssertions();
    expect(manifest.localizationInfo.defaultLanguageTag).toBe('en-us');
    expect(manifest.localizationInfo.additionalLanguages).toEqual(Object.entries(localizationFiles).map(([languageTag, file]) => ({ languageTag, file })));
    for (const [tag, file] of Object.entries(localizationFiles)) {
      const strings = JSON.parse(files.get(file)!.toString('utf8')) as Record<string, string>;
      expect(errorsOf(validateLocalization, strings), file).toEqual([]);
      expect(strings['name.short'], tag).toMatch(/[\u4e00-\u9fff]/);
      expect(strings['description.full'], tag).toContain('NCT04548271');
      // Every localized key must exist in the manifest, else Teams rejects the upload.
      for (const key of Object.keys(strings).filter((name) => name.startsWith('bots['))) {
        expect(typeof valueAt(manifest, key), `${file} ${key}`).toBe('string');
      }
    }
    const simplified = JSON.parse(files.get('zh-cn.json')!.toString('utf8')) as Record<string, string>;
    const traditional = JSON.parse(files.get('zh-tw.json')!.toString('utf8')) as Record<string, string>;
    expect(simplified['description.full']).toContain('鼻咽癌');
    expect(traditional['description.full']).toContain('聯絡');
    expect(simplified['description.full']).not.toBe(traditional['description.full']);
    // Hong Kong: its own file with Hong Kong wording (甚麼, 致電), not Taiwan's (什麼, 回電).
    expect(manifest.localizationInfo.additionalLanguages).toContainEqual({ languageTag: 'zh-hk', file: 'zh-hk.json' });
    const hongKong = JSON.parse(files.get('zh-hk.json')!.toString('utf8')) as Record<string, string>;
    expect(hongKong['description.full']).toContain('致電');
    expect(hongKong['bots[0].commandLists[0].commands[1].description']).toContain('甚麼');
    expect(traditional['bots[0].commandLists[0].commands[1].description']).toContain('什麼');
    expect(hongKong['description.full']).not.toBe(traditional['description.full']);
    // Every language file holds the same keys (Teams falls back to English for a missing one).
    const keysOf = (strings: Record<string, string>) => Object.keys(strings).sort();
    expect(keysOf(hongKong)).toEqual(keysOf(traditional));
    expect(keysOf(simplified)).toEqual(keysOf(traditional));
  });

  it('warns that the privacy and terms-of-use URLs are placeholders until the template gets the hospital\'s own', async () => {
    const developer = (manifest as unknown as { developer: { privacyUrl: string; termsOfUseUrl: string } }).developer;
    expect(developer.privacyUrl).toBe('https://trialguide.example-hospital.org/#privacy');
    const warning = result.warnings.find((line) => line.includes('placeholders'));
    expect(warning).toContain('developer.privacyUrl');
    expect(warning).toContain('developer.termsOfUseUrl');
    expect(warning).toContain('teams/manifest.template.json');

    // With the hospital's own URLs in a template copy, no such warning.
    const dir = tempDir();
    cpSync(path.join(projectRoot, 'teams'), path.join(dir, 'teams'), { recursive: true });
    const templatePath = path.join(dir, 'teams', 'manifest.template.json');
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { developer: Record<string, string> };
    template.developer.privacyUrl = 'https://www.example-hospital.org/privacy';
    template.developer.termsOfUseUrl = 'https://www.example-hospital.org/terms';
    writeFileSync(templatePath, JSON.stringify(template));
    cpSync(path.join(projectRoot, 'package.json'), path.join(dir, 'package.json'));
    const config = loadConfig({ DATA_DIR: tempDir(), MicrosoftAppId: appId, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', PUBLIC_BASE_URL: 'https://trialguide.example-hospital.org' });
    const own = await buildTeamsPackage({ ...config, rootDir: dir }, tempDir());
    expect(own.warnings.join('\n')).not.toContain('placeholders');
    expect((own.manifest.developer as { privacyUrl: string }).privacyUrl).toBe('https://www.example-hospital.org/privacy');
  });

  it('offers commands that the bot recognises, in every language', () => {
    expect.hasAssertions();
    const commands = manifest.bots[0]!.commandLists[0]!.commands;
    for (const file of Object.values(localizationFiles)) {
      const strings = JSON.parse(files.get(file)!.toString('utf8')) as Record<string, string>;
      commands.forEach((command, index) => {
        const translated = strings[`bots[0].commandLists[0].commands[${index}].title`];
        expect(recognizeCommand(command.title), command.title).toBeDefined();
        expect(recognizeCommand(translated), `${file}: ${translated}`).toBe(recognizeCommand(command.title));
      });
    }
  });

  it('has a 192x192 opaque colour icon and a 32x32 outline icon that is white on transparent', () => {
    const color = PNG.sync.read(files.get('color.png')!);
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = PNG.sync.read(files.get('outline.png')!);
    expect([outline.width, outline.height]).toEqual([32, 32]);

    let colorTranslucent = 0;
    let colorWhite = 0;
    for (let index = 0; index < color.data.length; index += 4) {
      if (color.data[index + 3] !== 255) colorTranslucent += 1;
      if (color.data[index] === 255 && color.data[index + 1] === 255 && color.data[index + 2] === 255) colorWhite += 1;
    }
    expect(colorTranslucent).toBe(0);
    // The mark is there: a good share of white, but far from all of it.
    expect(colorWhite).toBeGreaterThan(192 * 192 * 0.1);
    expect(colorWhite).toBeLessThan(192 * 192 * 0.5);

    let transparent = 0;
    let notWhite = 0;
    for (let index = 0; index < outline.data.length; index += 4) {
      const alpha = outline.data[index + 3]!;
      if (alpha === 0) transparent += 1;
      else if (outline.data[index] !== 255 || outline.data[index + 1] !== 255 || outline.data[index + 2] !== 255) notWhite += 1;
    }
    expect(notWhite).toBe(0);
    expect(transparent).toBeGreaterThan(32 * 32 * 0.4);
    expect(transparent).toBeLessThan(32 * 32 * 0.95);
  });

  it('without MicrosoftAppId: a placeholder bot id, still a valid manifest, and a warning', async () => {
    const bare = await buildTeamsPackage(loadConfig({ DATA_DIR: tempDir(), MicrosoftAppType: 'MultiTenant' }), tempDir());
    const bareManifest = JSON.parse(unzip(readFileSync(bare.zipPath)).get('manifest.json')!.toString('utf8')) as Manifest;
    expect(bareManifest.bots[0]!.botId).toBe(placeholderBotId);
    expect(errorsOf(validateManifest, bareManifest)).toEqual([]);
    expect(bare.warnings.join('\n')).toContain('MicrosoftAppId is not set');
    expect(bare.warnings.join('\n')).toContain('not https');
    expect(bareManifest.validDomains).toEqual(['localhost:3978']);
  });

  it('gives the same bytes for the same inputs (fixed entry times), so a rebuild is not a new upload by accident', async () => {
    const config = loadConfig({ DATA_DIR: tempDir(), MicrosoftAppId: appId, MicrosoftAppPassword: 'x', MicrosoftAppTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', PUBLIC_BASE_URL: 'https://trialguide.example-hospital.org' });
    const again = await buildTeamsPackage(config, tempDir());
    expect(readFileSync(again.zipPath).equals(readFileSync(result.zipPath))).toBe(true);
  });
});
