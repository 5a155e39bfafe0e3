import { z } from 'zod';
import { contentFile } from './content-files';

const words = z.array(z.string().min(1));
const localeTerm = z.strictObject({ approved: z.string().min(1).nullable(), forbidden: words });

/**
 * content/terms.json, the Chinese term table: the polite address, one approved term per concept in each Chinese
 * locale and the variants that must not appear, and words only one region uses (tests/unit/chinese-terms.test.ts).
 */
export const termsFile = contentFile(
  'content/terms.json',
  z.strictObject({
    $comment: z.string().optional(),
    version: z.string().min(1),
    address: z.strictObject({ why: z.string(), approved: z.string().min(1), forbidden: words }),
    terms: z.array(z.strictObject({ concept: z.string().min(1), why: z.string().optional(), en: z.string().min(1), 'zh-Hans': localeTerm, 'zh-Hant': localeTerm })).min(1),
    regional: z.strictObject({ why: z.string(), 'zh-Hans': words, 'zh-Hant': words }),
  }),
);
