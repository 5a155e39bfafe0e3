import { EncryptionKeyMismatchError } from '../errors/domain-errors';
import { DecryptionError, type FieldCipher } from '../security/field-encryption';
import type { SqlContext } from './database';

const checkKey = 'encryption-key-check';
const checkContext = 'storage_meta:encryption-key-check';
const checkPlaintext = 'trialguide';

/**
 * Fails startup when the configured key is not the one the data was written with (a changed or lost
 * DATA_ENCRYPTION_KEY), instead of failing later on the first referral a coordinator opens.
 */
export async function verifyEncryptionKey(context: SqlContext, cipher: FieldCipher): Promise<void> {
  await context.db
    .insertInto('storage_meta')
    .values({ key: checkKey, value: cipher.encrypt(checkPlaintext, checkContext) })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  const row = await context.db.selectFrom('storage_meta').select('value').where('key', '=', checkKey).executeTakeFirstOrThrow();
  try {
    if (cipher.decrypt(row.value, checkContext) === checkPlaintext) return;
  } catch (error) {
    if (!(error instanceof DecryptionError)) throw error;
  }
  throw new EncryptionKeyMismatchError();
}
