import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toInbound } from '../../src/channels/wechat/inbound-message';
import { WeChatCryptoError, WeChatMessageCrypto } from '../../src/channels/wechat/message-crypto';
import { isValidSignature, wechatSignature } from '../../src/channels/wechat/signature';
import { parseWeChatXml } from '../../src/channels/wechat/xml';
import vector from '../fixtures/wechat/official-vector.json';

describe('WeChat safe mode: the official WXBizMsgCrypt vector', () => {
  const crypto = new WeChatMessageCrypto(vector.encodingAesKey, vector.appId);

  it('msg_signature of [token, timestamp, nonce, Encrypt] matches the published value', () => {
    expect(wechatSignature([vector.token, vector.timestamp, vector.nonce, vector.encrypt])).toBe(vector.msgSignature);
    expect(isValidSignature(vector.msgSignature, [vector.token, vector.timestamp, vector.nonce, vector.encrypt])).toBe(true);
    expect(isValidSignature(vector.msgSignature.toUpperCase(), [vector.token, vector.timestamp, vector.nonce, vector.encrypt])).toBe(true);
  });

  it('decrypts to the expected text message, MsgId kept as an exact string', () => {
    const inbound = toInbound(parseWeChatXml(crypto.decrypt(vector.encrypt)));
    expect(inbound).toEqual({
      kind: 'text',
      openId: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      accountId: 'gh_10f6c3c3ac5a',
      createTime: '1409735668',
      text: 'abcdteT',
      msgId: '6054768590064713728',
    });
  });

  it('re-encrypting with the same 16 random bytes reproduces the published ciphertext', () => {
    const key = Buffer.from(`${vector.encodingAesKey}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(vector.encrypt, 'base64')), decipher.final()]);
    expect(crypto.encrypt(crypto.decrypt(vector.encrypt), plain.subarray(0, 16))).toBe(vector.encrypt);
  });

  it('rejects a message for another AppID and tampered ciphertext', () => {
    expect(() => new WeChatMessageCrypto(vector.encodingAesKey, 'wx0000000000000000').decrypt(vector.encrypt)).toThrow(WeChatCryptoError);
    const tampered = Buffer.from(vector.encrypt, 'base64');
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
    expect(() => crypto.decrypt(tampered.toString('base64'))).toThrow(WeChatCryptoError);
    expect(() => crypto.decrypt('bm90IGJsb2Nrcw==')).toThrow(WeChatCryptoError);
  });
});

describe('WeChat safe mode: round trips', () => {
  const crypto = new WeChatMessageCrypto('0123456789abcdefghijklmnopqrstuvwxyzABCDEFG', 'wxtestappid0000001');

  it('pads to 32-byte blocks and round-trips every length across a block boundary', () => {
    expect.hasAssertions();
    for (let length = 0; length <= 70; length += 1) {
      const xml = `<xml>${'界'.repeat(length)}</xml>`;
      const encrypted = Buffer.from(crypto.encrypt(xml), 'base64');
      expect(encrypted.length % 32).toBe(0);
      expect(crypto.decrypt(encrypted.toString('base64'))).toBe(xml);
    }
  });

  it('rejects a malformed EncodingAESKey', () => {
    expect(() => new WeChatMessageCrypto('too-short', 'wx')).toThrow(WeChatCryptoError);
  });
});

describe('request signature', () => {
  it('is SHA-1 of the sorted parts and rejects anything else', () => {
    const signature = wechatSignature(['token', '1409735669', '1320562132']);
    expect(signature).toBe(wechatSignature(['1320562132', 'token', '1409735669']));
    expect(isValidSignature(signature, ['token', '1409735669', '1320562132'])).toBe(true);
    expect(isValidSignature(signature, ['token', '1409735670', '1320562132'])).toBe(false);
    expect(isValidSignature(undefined, ['token', '1', '2'])).toBe(false);
    expect(isValidSignature(['array'], ['token', '1', '2'])).toBe(false);
    expect(isValidSignature(signature.slice(0, 39), ['token', '1409735669', '1320562132'])).toBe(false);
  });
});
