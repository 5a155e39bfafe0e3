import { describe, expect, it } from 'vitest';
import { deliveryKey, toInbound, WeChatMessageError } from '../../src/channels/wechat/inbound-message';
import { buildEncryptedReplyXml, buildTextReplyXml, parseWeChatXml, WeChatXmlError } from '../../src/channels/wechat/xml';
import { fixtureXml } from '../fixtures/wechat/wechat-requests';

describe('parseWeChatXml', () => {
  it('reads a text message with CDATA verbatim, keeping a 64-bit MsgId exact', () => {
    const fields = parseWeChatXml(fixtureXml('text-message.xml', { openId: 'oUser', createTime: '1700000000', content: ' 我想了解研究 & more ', msgId: '9223372036854775807' }));
    expect(fields).toMatchObject({ FromUserName: 'oUser', ToUserName: 'gh_10f6c3c3ac5a', MsgType: 'text', Content: ' 我想了解研究 & more ', MsgId: '9223372036854775807', CreateTime: '1700000000' });
  });

  it('decodes predefined entities and character references once, never recursively', () => {
    expect(parseWeChatXml('<xml><Content>a &amp;lt; b &#x4E2D;&#25991; &lt;</Content></xml>').Content).toBe('a &lt; b 中文 <');
  });

  it('rejects DOCTYPE, entity bombs and external entities without expanding anything', () => {
    expect(() => parseWeChatXml(fixtureXml('entity-bomb.xml'))).toThrow(WeChatXmlError);
    expect(() => parseWeChatXml(fixtureXml('external-entity.xml'))).toThrow(WeChatXmlError);
  });

  it('leaves undeclared entity references as literal text', () => {
    expect(parseWeChatXml('<xml><Content>&secret;</Content></xml>').Content).toBe('&secret;');
  });

  it('rejects malformed, rootless, repeated and oversized documents', () => {
    expect.hasAssertions();
    for (const bad of ['<xml><Content>unclosed</xml>', 'not xml', '', '<other><A>1</A></other>', '<xml><A>1</A></xml><xml><A>2</A></xml>', '<xml><MsgId>1</MsgId><MsgId>2</MsgId></xml>']) {
      expect(() => parseWeChatXml(bad), bad).toThrow(WeChatXmlError);
    }
    expect(() => parseWeChatXml(`<xml><Content>${'a'.repeat(2000)}</Content></xml>`, 1024)).toThrow(WeChatXmlError);
  });
});

describe('reply XML', () => {
  it('swaps To/From and survives "]]>" in the text', () => {
    const xml = buildTextReplyXml({ toUser: 'oUser', fromUser: 'gh_account', createTime: 1700000000, content: 'a ]]> b <x> & \u0001c' });
    const fields = parseWeChatXml(xml);
    expect(fields).toEqual({ ToUserName: 'oUser', FromUserName: 'gh_account', CreateTime: '1700000000', MsgType: 'text', Content: 'a ]]> b <x> & c' });
  });

  it('wraps an encrypted reply', () => {
    const fields = parseWeChatXml(buildEncryptedReplyXml({ encrypt: 'abc+/=', msgSignature: 'f'.repeat(40), timestamp: '1700000000', nonce: '42' }));
    expect(fields).toEqual({ Encrypt: 'abc+/=', MsgSignature: 'f'.repeat(40), TimeStamp: '1700000000', Nonce: '42' });
  });
});

describe('toInbound', () => {
  const base = { ToUserName: 'gh_a', FromUserName: 'oUser', CreateTime: '1700000000' };

  it('understands text, voice, subscribe, unsubscribe, CLICK and leaves the rest unsupported', () => {
    expect(toInbound({ ...base, MsgType: 'text', Content: 'hi', MsgId: '1', bizmsgmenuid: '2' })).toMatchObject({ kind: 'text', text: 'hi', msgId: '1', bizMsgMenuId: '2' });
    expect(toInbound({ ...base, MsgType: 'voice', Recognition: '你好', MsgId: '2' })).toMatchObject({ kind: 'voice', recognition: '你好' });
    expect(toInbound({ ...base, MsgType: 'event', Event: 'subscribe' })).toMatchObject({ kind: 'subscribe' });
    expect(toInbound({ ...base, MsgType: 'event', Event: 'unsubscribe' })).toMatchObject({ kind: 'unsubscribe' });
    expect(toInbound({ ...base, MsgType: 'event', Event: 'CLICK', EventKey: 'TG_ABOUT' })).toMatchObject({ kind: 'click', eventKey: 'TG_ABOUT' });
    expect(toInbound({ ...base, MsgType: 'event', Event: 'VIEW', EventKey: 'https://x' })).toMatchObject({ kind: 'unsupported', msgType: 'event:view' });
    expect(toInbound({ ...base, MsgType: 'image', MsgId: '3' })).toMatchObject({ kind: 'unsupported', msgType: 'image' });
    expect(() => toInbound({ ...base, MsgType: 'text', Content: 'no id' })).toThrow(WeChatMessageError);
    expect(() => toInbound({ MsgType: 'text', Content: 'x', MsgId: '1' })).toThrow(WeChatMessageError);
  });

  it('identifies retries by MsgId, events by sender and CreateTime', () => {
    expect(deliveryKey(toInbound({ ...base, MsgType: 'text', Content: 'hi', MsgId: '77' }))).toBe('msg:77');
    expect(deliveryKey(toInbound({ ...base, MsgType: 'event', Event: 'subscribe' }))).toBe('event:oUser:1700000000');
  });
});
