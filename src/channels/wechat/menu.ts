import type { Translate } from '../../i18n/translator';

/**
 * The custom menu's CLICK keys. The keys are stored in WeChat's menu configuration: keep them stable.
 * A click is turned into the same words a person could type (`command` text from locales), and its
 * `command` id travels in `activity.value` for a bot that prefers ids.
 */
export const menuButtons = [
  { key: 'TG_ABOUT', command: 'about', localeKey: 'about' },
  { key: 'TG_PRECHECK', command: 'precheck', localeKey: 'precheck' },
  { key: 'TG_CONTACT', command: 'handoff', localeKey: 'contact' },
] as const;

export type MenuCommand = (typeof menuButtons)[number]['command'];

/** WeChat's limit for a top-level button name. */
export const maxTopLevelNameBytes = 16;
/** WeChat's guidance for a top-level name in Chinese: 4 characters (5 still fit in 16 bytes, but get cut off). */
export const maxTopLevelHanCharacters = 4;

/** What is wrong with the menu's names, one line each; empty when WeChat will show them whole. */
export function menuNameProblems(menu: WeChatMenu): string[] {
  return menu.button.flatMap(({ name }) => {
    const problems: string[] = [];
    if (Buffer.byteLength(name, 'utf8') > maxTopLevelNameBytes) problems.push(`"${name}" is over ${maxTopLevelNameBytes} bytes`);
    if (/\p{Script=Han}/u.test(name) && [...name].length > maxTopLevelHanCharacters) problems.push(`"${name}" is over ${maxTopLevelHanCharacters} characters`);
    return problems;
  });
}

export interface WeChatMenu {
  button: { type: 'click'; name: string; key: string }[];
}

export function buildMenu(t: Translate): WeChatMenu {
  return {
    button: menuButtons.map((button) => ({ type: 'click' as const, name: t(`channels:wechat.menu.${button.localeKey}.name`), key: button.key })),
  };
}

export interface ClickCommand {
  command: MenuCommand;
  /** The words a person would type for the same thing, in the turn's language. */
  text: string;
}

export function clickCommand(eventKey: string, t: Translate): ClickCommand | undefined {
  const button = menuButtons.find((candidate) => candidate.key === eventKey);
  if (!button) return undefined;
  return { command: button.command, text: t(`channels:wechat.menu.${button.localeKey}.command`) };
}
