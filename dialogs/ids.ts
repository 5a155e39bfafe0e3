/**
 * Dialog ids are persisted in conversation state: renaming one strands every conversation that was
 * inside it. Keep them stable; add new ones instead.
 */
export const dialogIds = {
  main: 'main',
  mainSteps: 'main.steps',
  topics: 'topics',
  topicsSteps: 'topics.steps',
  ask: 'ask',
  askSteps: 'ask.steps',
  precheck: 'precheck',
  precheckSteps: 'precheck.steps',
  handoff: 'handoff',
  handoffSteps: 'handoff.steps',
  erase: 'erase',
  eraseSteps: 'erase.steps',
  checkReferral: 'check-referral',
  checkReferralSteps: 'check-referral.steps',
  choicePrompt: 'prompt.choice',
  textPrompt: 'prompt.text',
} as const;
