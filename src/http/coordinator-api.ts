import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { AppConfig } from '../config/load-config';
import { referralLink } from '../handoff/notification';
import { referralCsv } from '../handoff/referral-csv';
import type { Logger } from '../logger';
import { createBearerAuthenticator, parseBearerTokens } from '../security/bearer-tokens';
import type { AuditEntry, Referral, ReferralSummary, Stores } from '../storage/ports';
import { referralStatuses } from '../storage/ports';
import { InvalidCursorError } from '../storage/referral-cursor';
import { type HttpErrorCode, errorBody } from './error-catalogue';

export interface CoordinatorApiDependencies {
  stores: Pick<Stores, 'referrals' | 'audit'>;
  config: AppConfig;
  logger: Logger;
  clock: Clock;
}

/** The CSV export stops here rather than building an unbounded response in memory. */
export const maxExportRows = 10_000;
const exportPageSize = 100;

const since = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z' })
  .transform((value) => new Date(value));
const status = z.enum(referralStatuses, { error: `must be one of ${referralStatuses.join(', ')}` });

const listQuerySchema = z.strictObject({
  status: status.optional(),
  since: since.optional(),
  limit: z.coerce.number({ error: 'must be a whole number from 1 to 100' }).int('must be a whole number from 1 to 100').min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100').default(50),
  cursor: z.string().min(1).max(512).optional(),
});
const exportQuerySchema = z.strictObject({ status: status.optional(), since: since.optional() });
const patchBodySchema = z
  .strictObject({
    status: status.optional(),
    note: z.string({ error: 'must be a string' }).max(2000, 'must be at most 2000 characters').optional(),
  })
  .refine((body) => body.status !== undefined || body.note !== undefined, { message: 'give at least one of status, note' });

/** Ids are UUIDs; anything else cannot exist, and is not worth a query. */
const idPattern = /^[\w-]{1,64}$/;

/** One readable sentence naming every bad field, e.g. `status: must be one of …; limit: must be …`. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
      const field = issue.path.join('.');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function fail(res: Response, code: HttpErrorCode, status: number, message?: string): void {
  res.send(status, errorBody(code, message));
}

/** What a list may show: no contact details and no coordinator note (staff sometimes write numbers into it). */
function summaryView(referral: ReferralSummary, publicBaseUrl: string) {
  return {
    id: referral.id,
    reference: referral.reference,
    status: referral.status,
    channel: referral.channel,
    locale: referral.locale,
    createdAt: referral.createdAt.toISOString(),
    updatedAt: referral.updatedAt.toISOString(),
    precheck: referral.precheck ? { outcome: referral.precheck.outcome, reasons: referral.precheck.reasons, flags: referral.precheck.flags } : null,
    link: referralLink(publicBaseUrl, referral.id),
  };
}

/** The conversation key stays inside: it holds channel user ids and only serves erasure. */
function detailView(referral: ReferralSummary & Partial<Pick<Referral, 'contact'>>, publicBaseUrl: string) {
  return {
    ...summaryView(referral, publicBaseUrl),
    note: referral.note ?? null,
    consentVersion: referral.consentVersion,
    /** The content version (wording) the person saw; null for referrals stored before it was recorded. */
    contentVersion: referral.contentVersion ?? null,
    precheck: referral.precheck ?? null,
    ...(referral.contact ? { contact: referral.contact } : {}),
  };
}

/**
 * The coordinators' API. Registered only when COORDINATOR_API_TOKENS is set: without tokens the routes do not
 * exist (restify answers 404), so no deployment exposes referrals by forgetting a variable.
 * Contact details are shown only by GET /api/referrals/:id and the CSV export; both, and every change, are
 * written to the audit log (token name, action, referral, time) BEFORE the response goes out.
 */
export function registerCoordinatorApi(server: Server, deps: CoordinatorApiDependencies): boolean {
  const { stores, config, logger, clock } = deps;
  const tokens = parseBearerTokens(config.env.COORDINATOR_API_TOKENS);
  if (tokens.length === 0) {
    logger.info('coordinator API disabled: COORDINATOR_API_TOKENS is not set');
    return false;
  }
  const authenticator = createBearerAuthenticator(tokens);
  const baseUrl = config.env.PUBLIC_BASE_URL;

  /** The token's name, or undefined after answering 401. */
  function authorize(req: Request, res: Response): string | undefined {
    res.setHeader('Cache-Control', 'no-store');
    const actor = authenticator.authenticate(req.header('authorization'));
    if (actor === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="trialguide-coordinators"');
      fail(res, 'unauthorized', 401);
      logger.warn('coordinator API: request without valid credentials', { method: req.method, path: req.getPath() });
    }
    return actor;
  }

  const audit = (actor: string, action: AuditEntry['action'], referralId?: string, detail?: string) =>
    stores.audit.record({ actor, action, at: clock.now(), ...(referralId === undefined ? {} : { referralId }), ...(detail === undefined ? {} : { detail }) });

  function referralId(req: Request, res: Response): string | undefined {
    const id: unknown = (req.params as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && idPattern.test(id)) return id;
    fail(res, 'not_found', 404, 'No referral has this id.');
    return undefined;
  }

  server.get('/api/referrals', async (req: Request, res: Response) => {
    const actor = authorize(req, res);
    if (!actor) return;
    const query = listQuerySchema.safeParse(req.query ?? {});
    if (!query.success) return fail(res, 'bad_request', 400, describeIssues(query.error));
    let page;
    try {
      page = await stores.referrals.list(query.data);
    } catch (error) {
      if (error instanceof InvalidCursorError) return fail(res, 'bad_request', 400, 'cursor: not a cursor from this API; start again without it');
      throw error;
    }
    await audit(actor, 'referral.list', undefined, `count=${page.items.length}`);
    res.send(200, { items: page.items.map((item) => summaryView(item, baseUrl)), nextCursor: page.nextCursor ?? null });
  });

  // Registered before the :id route so the literal path can never be read as an id.
  server.get('/api/referrals.csv', async (req: Request, res: Response) => {
    const actor = authorize(req, res);
    if (!actor) return;
    const query = exportQuerySchema.safeParse(req.query ?? {});
    if (!query.success) return fail(res, 'bad_request', 400, describeIssues(query.error));
    const rows: Referral[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.referrals.list({ ...query.data, limit: exportPageSize, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        const full = await stores.referrals.get(item.id);
        if (full) rows.push(full);
      }
      cursor = page.nextCursor;
    } while (cursor && rows.length < maxExportRows);
    const exported = rows.slice(0, maxExportRows);
    await audit(actor, 'referral.export', undefined, `rows=${exported.length}${query.data.status ? ` status=${query.data.status}` : ''}${query.data.since ? ` since=${query.data.since.toISOString()}` : ''}`);
    const day = clock.now().toISOString().slice(0, 10);
    res.sendRaw(200, referralCsv(exported), {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="referrals-${day}.csv"`,
      'Cache-Control': 'no-store',
    });
  });

  server.get('/api/referrals/:id', async (req: Request, res: Response) => {
    const actor = authorize(req, res);
    if (!actor) return;
    const id = referralId(req, res);
    if (!id) return;
    const referral = await stores.referrals.get(id);
    if (!referral) return fail(res, 'not_found', 404, 'No referral has this id.');
    await audit(actor, 'referral.read', id);
    res.send(200, detailView(referral, baseUrl));
  });

  server.patch('/api/referrals/:id', async (req: Request, res: Response) => {
    const actor = authorize(req, res);
    if (!actor) return;
    const id = referralId(req, res);
    if (!id) return;
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
      return fail(res, 'bad_request', 400, 'The body must be a JSON object such as {"status": "contacted", "note": "..."} sent as application/json.');
    }
    const change = patchBodySchema.safeParse(body);
    if (!change.success) return fail(res, 'bad_request', 400, describeIssues(change.error));
    const updated = await stores.referrals.update(id, change.data, clock.now());
    if (!updated) return fail(res, 'not_found', 404, 'No referral has this id.');
    // The note's text stays out of the audit log: it may hold what a coordinator wrote about the person.
    const detail = [change.data.status ? `status=${change.data.status}` : undefined, change.data.note !== undefined ? 'note changed' : undefined].filter(Boolean).join('; ');
    await audit(actor, 'referral.update', id, detail);
    res.send(200, detailView(updated, baseUrl));
  });

  server.del('/api/referrals/:id', async (req: Request, res: Response) => {
    const actor = authorize(req, res);
    if (!actor) return;
    const id = referralId(req, res);
    if (!id) return;
    const deleted = await stores.referrals.delete(id);
    if (!deleted) return fail(res, 'not_found', 404, 'No referral has this id.');
    await audit(actor, 'referral.delete', id);
    res.send(204);
  });

  logger.info('coordinator API enabled', { tokens: tokens.map((token) => token.name) });
  return true;
}
