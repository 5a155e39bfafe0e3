import type { PrecheckOutcome } from '../storage/ports';

/**
 * Wording of the coordinators' notifications (chat apps and email). Staff-facing, not patient-facing, so it
 * lives here as data rather than in locales/: one message carries English and Simplified Chinese side by
 * side because a coordination team may read either.
 */
export const staffText = {
  title: 'New TrialGuide referral / 新的 TrialGuide 转介',
  reference: 'Reference / 编号',
  created: 'Received (UTC) / 接收时间（UTC）',
  language: 'Language / 语言',
  channel: 'Channel / 渠道',
  precheck: 'Pre-check / 初步筛查',
  reasons: 'Reasons given / 原因',
  flags: 'To ask about / 需询问',
  none: 'none / 无',
  open: 'Open the referral (contact details) / 打开转介（联系方式）',
  privacyNote: 'Contact details are only available in the coordinator API. / 联系方式仅可在协调员接口中查看。',
  outcomes: {
    'may-fit': 'May be a fit: the study team can check / 可能适合：请研究团队核实',
    'probably-not': 'Probably not a fit / 可能不适合',
    'cannot-tell': "Can't tell yet / 暂无法判断",
    'not-done': 'Not done or not shared / 未做或未分享',
  } satisfies Record<PrecheckOutcome | 'not-done', string>,
  languages: {
    en: 'English / 英语',
    'zh-Hans': 'Simplified Chinese / 简体中文',
    'zh-Hant': 'Traditional Chinese / 繁体中文',
  } as Record<string, string>,
} as const;
