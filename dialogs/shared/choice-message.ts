import { ActionTypes, type Activity, ActivityTypes, CardFactory, type CardAction } from 'botbuilder';
import type { ChoiceItem } from './choices';

/**
 * A message with choices, in the form each channel shows best. Teams: a hero card with buttons. Web Chat,
 * Direct Line and the Emulator: suggested-action buttons. WeChat and the terminal get the same suggested
 * actions and render them as numbered lines (their adapters do that). Typing the label or number always works.
 */
export function choiceMessage(channelId: string, text: string, choices: readonly ChoiceItem[]): Partial<Activity> {
  const actions: CardAction[] = choices.map((choice) => ({ type: ActionTypes.ImBack, title: choice.label, value: choice.label }));
  if (channelId === 'msteams') {
    return { type: ActivityTypes.Message, attachments: [CardFactory.heroCard('', text, undefined, actions)], inputHint: 'expectingInput' };
  }
  return { type: ActivityTypes.Message, text, inputHint: 'expectingInput', suggestedActions: { actions, to: [] } };
}

/** Plain text for the transcript tests and text-only channels: the message text, or the hero card text. */
export function visibleText(activity: Partial<Activity>): string {
  if (activity.text) return activity.text;
  const card = activity.attachments?.[0]?.content as { text?: string } | undefined;
  return card?.text ?? '';
}

/** Button titles of a message, whichever form it took. */
export function visibleChoices(activity: Partial<Activity>): string[] {
  const card = activity.attachments?.[0]?.content as { buttons?: CardAction[] } | undefined;
  const actions = activity.suggestedActions?.actions ?? card?.buttons ?? [];
  return actions.map((action) => action.title ?? String(action.value));
}
