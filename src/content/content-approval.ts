import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '../errors/domain-errors';
import type { Logger } from '../logger';
import { approvalsFile, computeContentVersion, type ContentVersion } from './content-version';

/**
 * content/approved.json: the content versions an ethics committee approved, with who and when. It is a list so
 * earlier approvals stay on record. An entry with `example: true` is documentation, never an approval.
 */
const approvalSchema = z.object({
  version: z.string().regex(/^[0-9a-f]{12}$/, 'must be the 12-character content version the export shows'),
  approvedBy: z.string().trim().min(1),
  approvedAt: z.union([z.iso.date(), z.iso.datetime({ offset: true })]),
  note: z.string().optional(),
  example: z.boolean().default(false),
});
export const approvalsSchema = z.array(approvalSchema);

export type ContentApproval = z.infer<typeof approvalSchema>;

export class ContentApprovalError extends DomainError {
  constructor(message: string) {
    super('content_not_approved', message);
  }
}

/** The approvals on record; an absent file means none. A malformed file is an error, never "none". */
export function readApprovals(rootDir: string): ContentApproval[] {
  const file = path.join(rootDir, approvalsFile);
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ContentApprovalError(`${approvalsFile} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = approvalsSchema.safeParse(data);
  if (!parsed.success) {
    throw new ContentApprovalError(`${approvalsFile}: ${parsed.error.issues.map((issue) => `[${issue.path.join('.')}] ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The latest real approval of this version, if any. */
export function approvalOf(version: string, approvals: readonly ContentApproval[]): ContentApproval | undefined {
  return approvals
    .filter((approval) => !approval.example && approval.version === version)
    .sort((a, b) => Date.parse(b.approvedAt) - Date.parse(a.approvedAt))[0];
}

export interface ContentStatus {
  readonly content: ContentVersion;
  readonly approval?: ContentApproval;
}

/** The content version and its approval, without logging or refusing (the export uses this). */
export function contentStatus(rootDir: string): ContentStatus {
  const content = computeContentVersion(rootDir);
  const approval = approvalOf(content.version, readApprovals(rootDir));
  return approval ? { content, approval } : { content };
}

/**
 * At start: computes the content version once, logs whether it is approved, and with `required`
 * (REQUIRE_APPROVED_CONTENT=true) throws a ContentApprovalError when it is not, so the process refuses to start.
 */
export function checkContentApproval(options: { rootDir: string; required: boolean; logger: Logger }): ContentStatus {
  const status = contentStatus(options.rootDir);
  const { version } = status.content;
  if (status.approval) {
    options.logger.info('content approved', { contentVersion: version, approvedBy: status.approval.approvedBy, approvedAt: status.approval.approvedAt });
    return status;
  }
  if (options.required) {
    throw new ContentApprovalError(
      `content version ${version} is not approved, and REQUIRE_APPROVED_CONTENT=true. ` +
        `Run "npm run content:export", have the export approved, then add {"version": "${version}", "approvedBy": ..., "approvedAt": ...} ` +
        `to ${approvalsFile} (see docs/content-approval.md).`,
    );
  }
  options.logger.warn('content NOT approved: this wording has no entry in content/approved.json (set REQUIRE_APPROVED_CONTENT=true to refuse to start)', { contentVersion: version });
  return status;
}
