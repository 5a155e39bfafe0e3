import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** WeChat's own messages are a few hundred bytes; anything far larger is not from WeChat. */
export const defaultMaxXmlBytes = 16 * 1024;

export class WeChatXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeChatXmlError';
  }
}

/**
 * Entities are never expanded by the parser (no XXE, no entity bombs) and every value stays a string, so a
 * 64-bit MsgId is not rounded through a JavaScript number.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

const predefinedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The five predefined entities and numeric character references, in one pass: a replacement is never
 * re-scanned, so nothing can expand recursively. Anything else (a declared entity) stays literal text.
 */
function decodeCharacterReferences(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return predefinedEntities[name.toLowerCase()] ?? whole;
  });
}

/**
 * Parses a WeChat `<xml>` document into its top-level text fields. Rejects oversized, malformed, DOCTYPE or
 * entity-declaring input with WeChatXmlError. Nested elements (some event types carry them) are skipped.
 */
export function parseWeChatXml(text: string, maxBytes = defaultMaxXmlBytes): Record<string, string> {
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new WeChatXmlError('body too large');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new WeChatXmlError('DOCTYPE and entity declarations are not accepted');
  if (XMLValidator.validate(text) !== true) throw new WeChatXmlError('malformed XML');
  const document: unknown = parser.parse(text);
  const root = (document as { xml?: unknown } | undefined)?.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new WeChatXmlError('expected one <xml> root element');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new WeChatXmlError(`repeated element ${name}`);
    if (typeof value === 'string') fields[name] = decodeCharacterReferences(value);
  }
  return fields;
}

/** CDATA cannot contain "]]>": split it across two sections so any text is safe. */
function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

/** Characters XML 1.0 forbids even inside CDATA. */
function withoutForbiddenCharacters(value: string): string {
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

export interface PassiveTextReply {
  /** The user's OpenID (the inbound FromUserName). */
  toUser: string;
  /** The account id (the inbound ToUserName). */
  fromUser: string;
  /** Seconds since the epoch. */
  createTime: number;
  content: string;
}

/** A passive text reply: the inbound To/From swapped. */
export function buildTextReplyXml(reply: PassiveTextReply): string {
  return [
    '<xml>',
    `<ToUserName>${cdata(reply.toUser)}</ToUserName>`,
    `<FromUserName>${cdata(reply.fromUser)}</FromUserName>`,
    `<CreateTime>${Math.floor(reply.createTime)}</CreateTime>`,
    `<MsgType>${cdata('text')}</MsgType>`,
    `<Content>${cdata(withoutForbiddenCharacters(reply.content))}</Content>`,
    '</xml>',
  ].join('');
}

export interface EncryptedEnvelope {
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

/** The safe-mode wrapper around an encrypted passive reply. */
export function buildEncryptedReplyXml(envelope: EncryptedEnvelope): string {
  return [
    '<xml>',
    `<Encrypt>${cdata(envelope.encrypt)}</Encrypt>`,
    `<MsgSignature>${cdata(envelope.msgSignature)}</MsgSignature>`,
    `<TimeStamp>${envelope.timestamp}</TimeStamp>`,
    `<Nonce>${cdata(envelope.nonce)}</Nonce>`,
    '</xml>',
  ].join('');
}
