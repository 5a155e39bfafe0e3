import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** WeChat pads to 32-byte blocks (not AES's 16), so PKCS#7 is done by hand with auto padding off. */
const padBlock = 32;
const randomPrefixBytes = 16;
const lengthBytes = 4;

export class WeChatCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeChatCryptoError';
  }
}

/**
 * Safe-mode message encryption (WXBizMsgCrypt): AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the
 * key's first 16 bytes; plaintext = 16 random bytes + 4-byte big-endian XML length + XML + AppID.
 */
export class WeChatMessageCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    encodingAesKey: string,
    private readonly appId: string,
  ) {
    const key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (encodingAesKey.length !== 43 || key.length !== 32) throw new WeChatCryptoError('EncodingAESKey must be 43 characters (32 bytes)');
    this.key = key;
    this.iv = key.subarray(0, 16);
  }

  /** Returns the base64 `Encrypt` value. `random` is injectable only so a test can reproduce a known vector. */
  encrypt(xml: string, random: Buffer = randomBytes(randomPrefixBytes)): string {
    const body = Buffer.from(xml, 'utf8');
    const length = Buffer.alloc(lengthBytes);
    length.writeUInt32BE(body.length, 0);
    const plain = Buffer.concat([random, length, body, Buffer.from(this.appId, 'utf8')]);
    const padLength = padBlock - (plain.length % padBlock);
    const padded = Buffer.concat([plain, Buffer.alloc(padLength, padLength)]);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }

  /** Decrypts an `Encrypt` value and checks that it was meant for this AppID; throws WeChatCryptoError otherwise. */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) throw new WeChatCryptoError('ciphertext is not whole AES blocks');
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(data), decipher.final()]);
    const padLength = padded[padded.length - 1] ?? 0;
    if (padLength < 1 || padLength > padBlock || padLength > padded.length) throw new WeChatCryptoError('bad padding');
    const plain = padded.subarray(0, padded.length - padLength);
    if (plain.length < randomPrefixBytes + lengthBytes) throw new WeChatCryptoError('message too short');
    const xmlLength = plain.readUInt32BE(randomPrefixBytes);
    const xmlStart = randomPrefixBytes + lengthBytes;
    if (xmlStart + xmlLength > plain.length) throw new WeChatCryptoError('length field out of range');
    const appId = plain.subarray(xmlStart + xmlLength).toString('utf8');
    if (appId !== this.appId) throw new WeChatCryptoError('message is for another AppID');
    return plain.subarray(xmlStart, xmlStart + xmlLength).toString('utf8');
  }
}
