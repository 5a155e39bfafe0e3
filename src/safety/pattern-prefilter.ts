/**
 * A cheap proof that a lexicon pattern cannot match a text, so the safety checks run only the patterns that
 * might (issue 11: every message was tried against every pattern, hundreds of microseconds a message).
 *
 * At load time each pattern's source is read and reduced to literal strings its matches must contain: a
 * conjunction of clauses, each a set of strings of which a match holds at least one ('bleed' or 'bled'; and
 * 'stop' or 'stopping'). Nothing is listed by hand, so it follows the lexicons as they change. Per message, one
 * pass over the text with a trie of every clause's strings finds which are present; a pattern whose clauses are
 * not all met cannot match and is skipped. Skipping it changes no answer: a regular expression that cannot
 * match anywhere in a text adds nothing to a union's matches, tests or replacements there. What the reader does
 * not understand (a construct, or a character whose case folding it does not model) gives no clause, and the
 * pattern then always runs. Reading the lexicons takes a few hundred milliseconds of CPU, so what was read is
 * stored beside the learned weights (`storedPatternLiterals`) and a start reads that instead.
 */
import { createHash } from 'node:crypto';
import { codeDigest, KeyedCacheFiles } from '../content/keyed-cache-file';

/** One clause: a match contains at least one of these strings (case-folded as `foldCodeUnit` folds text). */
type Clause = readonly string[];

interface Info {
  /** Every string a match can be is in this set (folded); undefined: unknown or too many. */
  readonly exact?: readonly string[];
  /** Clauses every match satisfies; empty: nothing known. */
  readonly clauses: readonly Clause[];
}

const maxExactStrings = 32;
/** Longer literals narrow nothing more in practice, and a shallow trie is quick to walk. */
const maxLiteralLength = 8;
const maxClassSize = 16;
const maxClausesPerPattern = 4;
/** A clause weaker than two letters (see `weight`) is kept only when it is a pattern's strongest. */
const minClauseScore = 2;
const top: Info = { clauses: [] };
const empty: Info = { exact: [''], clauses: [] };

class Unsupported extends Error {}

/** What each group's source requires (a group means the same wherever it appears). */
const groups = new Map<string, Info>();
/** What each pattern requires, by flags and source: detectors are built again from the same lexicon. */
const requiredByPattern = new Map<string, Clause[] | undefined>();

const hanCharacter = /^\p{Script=Han}$/u;

/**
 * Characters whose case-insensitive matches the prefilter models: ASCII (letters fold to lower case; with the
 * `i` and `u` flags 'k' also matches U+212A KELVIN SIGN and 's' U+017F LONG S, folded the same way), and
 * caseless CJK characters and punctuation. Any other character ends a literal (tests/unit/safety-pattern-
 * prefilter.test.ts checks this against the regular-expression engine itself).
 */
export function isModelledCharacter(codePoint: number): boolean {
  if (codePoint < 0x80) return true;
  if ((codePoint >= 0x2000 && codePoint <= 0x206f) || (codePoint >= 0x3000 && codePoint <= 0x303f)) return true;
  if ((codePoint >= 0xff01 && codePoint <= 0xff20) || (codePoint >= 0xff3b && codePoint <= 0xff40) || (codePoint >= 0xff5b && codePoint <= 0xff65)) return true;
  return hanCharacter.test(String.fromCodePoint(codePoint));
}

/** The fold applied to text and literals alike (code unit by code unit, so positions and lengths keep). */
export function foldCodeUnit(unit: number): number {
  if (unit >= 0x41 && unit <= 0x5a) return unit + 0x20;
  if (unit === 0x212a) return 0x6b;
  if (unit === 0x017f) return 0x73;
  return unit;
}

function foldString(text: string): string {
  let folded = '';
  for (let index = 0; index < text.length; index += 1) folded += String.fromCharCode(foldCodeUnit(text.charCodeAt(index)));
  return folded;
}

const literals = new Map<number, Info>();

function literal(codePoint: number): Info {
  let info = literals.get(codePoint);
  if (!info) {
    info = isModelledCharacter(codePoint) ? { exact: [foldString(String.fromCodePoint(codePoint))], clauses: [] } : top;
    literals.set(codePoint, info);
  }
  return info;
}

const unique = (strings: Iterable<string>): string[] => [...new Set(strings)];

/**
 * How much a string narrows the search: Chinese characters count most, ASCII letters and digits one each,
 * spaces and punctuation barely (a literal holds only modelled characters: ASCII, CJK, punctuation).
 */
function weight(text: string): number {
  let total = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    const alphanumeric = (unit >= 0x30 && unit <= 0x39) || (unit >= 0x61 && unit <= 0x7a);
    const chinese = unit >= 0x3400 && unit < 0xff00;
    total += chinese ? 2 : alphanumeric ? 1 : 0.1;
  }
  return total;
}

const scores = new WeakMap<Clause, number>();

function clauseScore(clause: Clause): number {
  let score = scores.get(clause);
  if (score === undefined) {
    score = Infinity;
    for (const text of clause) score = Math.min(score, weight(text));
    scores.set(clause, score);
  }
  return score;
}

/** Most selective first: the weakest string of a clause decides, then the fewer strings. */
const byStrength = (a: Clause, b: Clause): number => clauseScore(b) - clauseScore(a) || a.length - b.length;

/** A set of strings as a clause, unless it allows the empty match (which every text contains). */
const asClause = (strings: readonly string[] | undefined): Clause | undefined => (strings && strings.length > 0 && !strings.includes('') ? strings : undefined);

const minimalClauses = new WeakMap<Clause, Clause>();

/**
 * A clause as the index holds it: each string cut to its first `maxLiteralLength` code units (a match holding
 * the string holds its start), and a string holding another of the clause left out ('stopping' where 'stop'
 * is): it adds nothing, and the trie to walk is smaller.
 */
function minimal(clause: Clause): Clause {
  let kept = minimalClauses.get(clause);
  if (!kept) {
    const shorter: string[] = [];
    const cut = unique(clause.map((text) => text.slice(0, maxLiteralLength)));
    for (const text of cut.sort((a, b) => a.length - b.length)) if (!shorter.some((other) => text.includes(other))) shorter.push(text);
    kept = shorter;
    minimalClauses.set(clause, kept);
  }
  return kept;
}

function strongestClause(info: Info): Clause | undefined {
  let strongest = asClause(info.exact);
  for (const clause of info.clauses) if (!strongest || byStrength(clause, strongest) < 0) strongest = clause;
  return strongest;
}

function longest(strings: readonly string[]): number {
  let length = 0;
  for (const text of strings) length = Math.max(length, text.length);
  return length;
}

function cross(left: readonly string[], right: readonly string[]): string[] | undefined {
  if (left.length * right.length > maxExactStrings || longest(left) + longest(right) > maxLiteralLength) return undefined;
  const product = new Set<string>();
  for (const a of left) for (const b of right) product.add(a + b);
  return [...product];
}

/**
 * Exact parts in a row multiply into one run of strings (within the limits); any other part closes the run as
 * a clause and adds its own. Single strings (plain characters) are gathered before they multiply the run.
 */
function concatenate(terms: readonly Info[]): Info {
  const clauses: Clause[] = [];
  let run: string[] = [''];
  let runLength = 0;
  let pending = '';
  let broken = false;
  const flush = () => {
    if (pending === '') return;
    run = run.map((text) => text + pending);
    runLength += pending.length;
    pending = '';
  };
  const closeRun = () => {
    flush();
    const clause = asClause(run);
    if (clause) clauses.push(clause);
  };
  for (const term of terms) {
    for (const clause of term.clauses) clauses.push(clause);
    const single = term.exact?.length === 1 ? (term.exact[0] as string) : undefined;
    if (single !== undefined && runLength + pending.length + single.length <= maxLiteralLength) {
      pending += single;
      continue;
    }
    flush();
    const product: string[] | undefined = term.exact ? cross(run, term.exact) : undefined;
    if (product) {
      run = product;
      runLength = longest(product);
      continue;
    }
    closeRun();
    broken = true;
    run = term.exact ? [...term.exact] : [''];
    runLength = longest(run);
  }
  flush();
  if (!broken) return { exact: run, clauses };
  closeRun();
  return { clauses };
}

function alternate(alternatives: readonly Info[]): Info {
  if (alternatives.length === 1) return alternatives[0] as Info;
  let exactStrings = 0;
  for (const info of alternatives) exactStrings += info.exact ? info.exact.length : Infinity;
  if (exactStrings <= maxExactStrings) return { exact: unique(alternatives.flatMap((info) => info.exact as readonly string[])), clauses: [] };
  const union = new Set<string>();
  for (const info of alternatives) {
    const clause = strongestClause(info);
    if (!clause) return top;
    for (const text of clause) union.add(text);
  }
  return { clauses: [[...union]] };
}

function repeat(info: Info, min: number, max: number): Info {
  if (min === 0) {
    if (max === 1 && info.exact) return { exact: unique(['', ...info.exact]), clauses: [] };
    return top;
  }
  if (min === max && info.exact) {
    let product: string[] | undefined = [''];
    for (let count = 0; count < min && product; count += 1) product = cross(product, info.exact);
    if (product) return { exact: product, clauses: [] };
  }
  const clause = strongestClause(info);
  return { clauses: clause ? [clause] : [] };
}

const syntaxCharacters = new Set(Array.from('^$\\.*+?()[]{}|', (character) => character.charCodeAt(0)));
const quantifierStarts = new Set(Array.from('*+?{', (character) => character.charCodeAt(0)));

/**
 * A reader of the `u`-mode syntax the lexicons use; throws Unsupported at anything else. It walks the source by
 * code unit: syntax is ASCII, and `next` takes a surrogate pair whole (one character in `u` mode).
 */
class PatternReader {
  private position = 0;

  constructor(private readonly source: string) {}

  read(): Info {
    const info = this.disjunction();
    if (this.position !== this.source.length) throw new Unsupported('unbalanced parenthesis');
    return info;
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.position + offset];
  }

  private next(): string {
    const codePoint = this.source.codePointAt(this.position);
    if (codePoint === undefined) throw new Unsupported('unexpected end');
    const character = String.fromCodePoint(codePoint);
    this.position += character.length;
    return character;
  }

  private expect(character: string): void {
    if (this.next() !== character) throw new Unsupported(`expected ${character}`);
  }

  private disjunction(): Info {
    const alternatives = [this.alternative()];
    while (this.peek() === '|') {
      this.position += 1;
      alternatives.push(this.alternative());
    }
    return alternate(alternatives);
  }

  private alternative(): Info {
    const terms: Info[] = [];
    while (this.peek() !== undefined && this.peek() !== '|' && this.peek() !== ')') terms.push(this.plainRun() ?? this.term());
    return concatenate(terms);
  }

  /**
   * Plain characters in a row ('bleed' of 'bleeds?'), read as one string: most of a lexicon is words. A character
   * a quantifier follows is left to `term`, and so is anything but ASCII and common CJK (the slow path decides).
   */
  private plainRun(): Info | undefined {
    const { source } = this;
    const start = this.position;
    let end = start;
    for (; end < source.length; end += 1) {
      const unit = source.charCodeAt(end);
      const plain = unit < 0x80 ? !syntaxCharacters.has(unit) : (unit >= 0x3000 && unit <= 0x303f) || (unit >= 0x3400 && unit <= 0x4dbf) || (unit >= 0x4e00 && unit <= 0x9fff);
      if (!plain) break;
      if (quantifierStarts.has(source.charCodeAt(end + 1))) break;
    }
    if (end === start) return undefined;
    this.position = end;
    return { exact: [foldString(source.slice(start, end))], clauses: [] };
  }

  private term(): Info {
    const atom = this.atom();
    const bounds = this.quantifier();
    return bounds ? repeat(atom, bounds[0], bounds[1]) : atom;
  }

  private quantifier(): [number, number] | undefined {
    const character = this.peek();
    let bounds: [number, number] | undefined;
    if (character === '*') bounds = [0, Infinity];
    else if (character === '+') bounds = [1, Infinity];
    else if (character === '?') bounds = [0, 1];
    if (bounds) this.position += 1;
    else if (character === '{') {
      this.position += 1;
      const min = this.number();
      let max = min;
      if (this.peek() === ',') {
        this.position += 1;
        max = this.peek() === '}' ? Infinity : this.number();
      }
      this.expect('}');
      bounds = [min, max];
    } else return undefined;
    if (this.peek() === '?') this.position += 1;
    return bounds;
  }

  private number(): number {
    let digits = '';
    while (/^[0-9]$/.test(this.peek() ?? '')) digits += this.next();
    if (digits === '') throw new Unsupported('expected a number');
    return Number(digits);
  }

  private atom(): Info {
    const character = this.next();
    switch (character) {
      case '^':
      case '$':
        return empty;
      case '.':
        return top;
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
      case ')':
      case '|':
        throw new Unsupported(`unexpected ${character}`);
      default:
        return literal(character.codePointAt(0) as number);
    }
  }

  /** Where the group opened just before `position` closes (its ')'), or undefined when it does not. */
  private groupEnd(): number | undefined {
    let depth = 1;
    const { source } = this;
    for (let at = this.position; at < source.length; at += 1) {
      const character = source[at];
      if (character === '\\') at += 1;
      else if (character === '[') {
        for (at += 1; at < source.length && source[at] !== ']'; at += 1) if (source[at] === '\\') at += 1;
      } else if (character === '(') depth += 1;
      else if (character === ')') {
        depth -= 1;
        if (depth === 0) return at;
      }
    }
    return undefined;
  }

  /** A group read before (the medicine words fill many patterns) is not read again. */
  private group(): Info {
    const end = this.groupEnd();
    const key = end === undefined ? undefined : this.source.slice(this.position - 1, end + 1);
    const known = key === undefined ? undefined : groups.get(key);
    if (known && end !== undefined) {
      this.position = end + 1;
      return known;
    }
    const info = this.readGroup();
    if (key !== undefined && this.position === (end as number) + 1) groups.set(key, info);
    return info;
  }

  private readGroup(): Info {
    let lookaround = false;
    if (this.peek() === '?') {
      this.position += 1;
      const kind = this.next();
      if (kind === '=' || kind === '!') lookaround = true;
      else if (kind === '<' && (this.peek() === '=' || this.peek() === '!')) {
        this.position += 1;
        lookaround = true;
      } else if (kind === '<') {
        while (this.next() !== '>');
      } else if (kind !== ':') throw new Unsupported(`group (?${kind}`);
    }
    const inner = this.disjunction();
    this.expect(')');
    // A lookaround matches no characters of its own.
    return lookaround ? empty : inner;
  }

  private escape(): Info {
    const character = this.next();
    if (character === 'b' || character === 'B') return empty;
    if ('dDsSwW'.includes(character)) return top;
    if (character === 'p' || character === 'P') {
      this.expect('{');
      while (this.next() !== '}');
      return top;
    }
    if (/^[1-9]$/.test(character)) {
      while (/^[0-9]$/.test(this.peek() ?? '')) this.position += 1;
      return top;
    }
    if (character === 'k') {
      this.expect('<');
      while (this.next() !== '>');
      return top;
    }
    return literal(this.characterEscape(character));
  }

  /** The code point of a character escape (after the backslash), in or out of a class. */
  private characterEscape(character: string): number {
    const controls: Record<string, number> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
    if (controls[character] !== undefined) return controls[character];
    if (character === '0') {
      if (/^[0-9]$/.test(this.peek() ?? '')) throw new Unsupported('octal escape');
      return 0;
    }
    if (character === 'c') {
      const letter = this.next();
      if (!/^[a-z]$/i.test(letter)) throw new Unsupported('control escape');
      return (letter.codePointAt(0) as number) % 32;
    }
    if (character === 'x') return this.hex(2);
    if (character === 'u') {
      if (this.peek() === '{') {
        this.position += 1;
        let digits = '';
        while (this.peek() !== '}') digits += this.next();
        this.position += 1;
        if (!/^[0-9a-f]+$/i.test(digits)) throw new Unsupported('unicode escape');
        return Number.parseInt(digits, 16);
      }
      const unit = this.hex(4);
      // A surrogate pair written as two escapes is one character in u mode.
      if (unit >= 0xd800 && unit <= 0xdbff && this.peek() === '\\' && this.peek(1) === 'u') {
        const saved = this.position;
        this.position += 2;
        const trail = /^[0-9a-f]{4}$/i.test(this.source.slice(this.position, this.position + 4)) ? this.hex(4) : -1;
        if (trail >= 0xdc00 && trail <= 0xdfff) return (unit - 0xd800) * 0x400 + (trail - 0xdc00) + 0x10000;
        this.position = saved;
      }
      return unit;
    }
    if ('^$\\.*+?()[]{}|/-'.includes(character)) return character.codePointAt(0) as number;
    throw new Unsupported(`escape \\${character}`);
  }

  private hex(length: number): number {
    let digits = '';
    for (let index = 0; index < length; index += 1) digits += this.next();
    if (!/^[0-9a-f]+$/i.test(digits)) throw new Unsupported('hex escape');
    return Number.parseInt(digits, 16);
  }

  private characterClass(): Info {
    const negated = this.peek() === '^';
    if (negated) this.position += 1;
    const members = new Set<number>();
    let unknown = negated;
    /** One class atom: a code point, or undefined for a class escape (\w, \d, \p{…}). */
    const classAtom = (): number | undefined => {
      const character = this.next();
      if (character !== '\\') return character.codePointAt(0);
      const escaped = this.next();
      if (escaped === 'b') return 0x08;
      if ('dDsSwW'.includes(escaped)) return undefined;
      if (escaped === 'p' || escaped === 'P') {
        this.expect('{');
        while (this.next() !== '}');
        return undefined;
      }
      return this.characterEscape(escaped);
    };
    while (this.peek() !== ']') {
      const from = classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']') {
        this.position += 1;
        const to = classAtom();
        if (from === undefined || to === undefined) throw new Unsupported('class range with a class escape');
        if (to - from >= maxClassSize) unknown = true;
        else for (let codePoint = from; codePoint <= to; codePoint += 1) members.add(codePoint);
      } else if (from === undefined) unknown = true;
      else members.add(from);
    }
    this.position += 1;
    if (unknown || members.size > maxClassSize || [...members].some((codePoint) => !isModelledCharacter(codePoint))) return top;
    return { exact: unique([...members].map((codePoint) => foldString(String.fromCodePoint(codePoint)))), clauses: [] };
  }
}

/**
 * The clauses every match of `source` satisfies (strings folded like the text), strongest first; undefined when
 * nothing is known, so the pattern must always run. Only `u`-mode patterns are read (the lexicons' syntax).
 */
export function requiredLiterals(source: string, flags: string): Clause[] | undefined {
  if (!flags.includes('u') || flags.includes('v')) return undefined;
  const key = `${flags}\u0000${source}`;
  if (requiredByPattern.has(key)) return requiredByPattern.get(key);
  let info: Info | undefined;
  try {
    info = new PatternReader(source).read();
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
  }
  const clauses = info ? [asClause(info.exact), ...info.clauses].filter((clause): clause is Clause => clause !== undefined).sort(byStrength) : [];
  // Beyond the strongest, a clause of a common letter or a space ('i', ' ') would be met by nearly every text
  // and only lengthen the scan.
  const kept = clauses.filter((clause, index) => index === 0 || clauseScore(clause) >= minClauseScore).slice(0, maxClausesPerPattern);
  const found = kept.length > 0 ? kept.map(minimal) : undefined;
  requiredByPattern.set(key, found);
  return found;
}

/** Which clauses a text meets: those with at least one of their strings in it. */
export class LiteralHits {
  constructor(
    /** The index that found them: hits answer only for its lists. */
    readonly index: LiteralIndex,
    /** Per clause id, 1 when met. */
    private readonly met: Uint8Array,
  ) {}

  meets(clause: number): boolean {
    return this.met[clause] === 1;
  }
}

/**
 * A trie of the strings of every clause of the pattern lists built over it, scanned once per text (or sentence):
 * from each position it follows the folded code units as far as they go. A clause shared by many patterns (the
 * medicine words) is held once.
 */
export class LiteralIndex {
  /** The trie's edges in one map: node * 0x10000 + code unit -> child node (node 0 is the root). */
  private readonly edges = new Map<number, number>();
  /** The same edges in an open-addressed table, for the scan (built at the first scan after a change). */
  private table: EdgeTable | undefined;
  /** Node -> the clauses the string ending there meets (none: not the end of a string). */
  private readonly clausesAt: (number[] | undefined)[] = [undefined];
  private readonly clauses = new Map<string, number>();
  private readonly clauseIds = new WeakMap<Clause, number>();

  /** The node where `text` ends, added to the trie if new. */
  private nodeOf(text: string): number {
    let node = 0;
    for (let index = 0; index < text.length; index += 1) {
      const edge = node * 0x10000 + text.charCodeAt(index);
      let child = this.edges.get(edge);
      if (child === undefined) {
        child = this.clausesAt.push(undefined) - 1;
        this.edges.set(edge, child);
        this.table = undefined;
      }
      node = child;
    }
    return node;
  }

  /** The id of a clause (the same strings, the same id). */
  clauseId(clause: Clause): number {
    let id = this.clauseIds.get(clause);
    if (id !== undefined) return id;
    const key = clause.join('\u0000');
    id = this.clauses.get(key);
    if (id === undefined) {
      id = this.clauses.size;
      this.clauses.set(key, id);
      for (const text of clause) {
        const node = this.nodeOf(text);
        (this.clausesAt[node] ??= []).push(id);
      }
    }
    this.clauseIds.set(clause, id);
    return id;
  }

  scan(text: string): LiteralHits {
    const met = new Uint8Array(this.clauses.size);
    const { clausesAt } = this;
    const table = (this.table ??= new EdgeTable(this.edges));
    for (let start = 0; start < text.length; start += 1) {
      let node = 0;
      for (let index = start; index < text.length; index += 1) {
        node = table.child(node, foldCodeUnit(text.charCodeAt(index)));
        if (node < 0) break;
        const ending = clausesAt[node];
        if (ending) for (const clause of ending) met[clause] = 1;
      }
    }
    return new LiteralHits(this, met);
  }
}

/** A trie's edges in typed arrays, open addressing with linear probing: a lookup is a few array reads. */
class EdgeTable {
  private readonly parents: Int32Array;
  private readonly units: Uint16Array;
  private readonly children: Int32Array;
  private readonly mask: number;

  constructor(edges: ReadonlyMap<number, number>) {
    let size = 16;
    while (size < edges.size * 2) size *= 2;
    this.parents = new Int32Array(size).fill(-1);
    this.units = new Uint16Array(size);
    this.children = new Int32Array(size);
    this.mask = size - 1;
    for (const [edge, child] of edges) {
      const parent = Math.floor(edge / 0x10000);
      const unit = edge % 0x10000;
      let slot = EdgeTable.slot(parent, unit) & this.mask;
      while (this.parents[slot] !== -1) slot = (slot + 1) & this.mask;
      this.parents[slot] = parent;
      this.units[slot] = unit;
      this.children[slot] = child;
    }
  }

  private static slot(parent: number, unit: number): number {
    const hash = Math.imul(parent, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca77);
    return hash ^ (hash >>> 15);
  }

  /** The child of `parent` along `unit`, or -1. */
  child(parent: number, unit: number): number {
    const { parents, units, mask } = this;
    for (let slot = EdgeTable.slot(parent, unit) & mask; ; slot = (slot + 1) & mask) {
      const found = parents[slot] as number;
      if (found === -1) return -1;
      if (found === parent && units[slot] === unit) return this.children[slot] as number;
    }
  }
}

/** A backreference or a named group means a different thing alone than inside a union (group numbers, names). */
const readsGroups = (source: string) => /\\[1-9]|\\k<|\(\?<(?![=!])/.test(source);

/** What a pattern requires: `requiredLiterals`, or what a stored analysis says it returned. */
export type PatternAnalysis = (source: string, flags: string) => readonly Clause[] | undefined;

/** One match: where it starts and ends in the text. */
export interface PatternMatch {
  readonly start: number;
  readonly end: number;
}

/** Where the next match may start after an empty one at `index` (a surrogate pair is one character in u mode). */
function advance(text: string, index: number, unicode: boolean): number {
  if (!unicode || index + 1 >= text.length) return index + 1;
  const unit = text.charCodeAt(index);
  const next = text.charCodeAt(index + 1);
  return unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? index + 2 : index + 1;
}

/**
 * A list of pattern sources (a lexicon entry) that answers as their union `(?:a)|(?:b)|…` with the list's
 * flags would — its test, its matches (as matchAll gives them) and its replacements — running only the patterns
 * whose literals the text holds, each compiled on its own (a union compiled per combination of patterns would
 * hold a copy of the long ones each time). At each position a union takes the first of its patterns, in order,
 * that matches there; so the union's next match is the earliest of the patterns' next matches, the first
 * pattern's on a tie, and a pattern that cannot match anywhere never changes it. A list whose patterns refer to
 * groups (numbered or named across the union) runs as its union, whenever any pattern may match.
 */
export class GatedPatternList {
  /** Per pattern, the clauses (ids in the index) a text must meet; undefined: none known, it always runs. */
  private readonly required: readonly (readonly number[] | undefined)[];
  /** Each pattern alone, with the g flag (lastIndex is set before each use). */
  private readonly single: readonly RegExp[] | undefined;
  /** The union itself, for a list that is not run pattern by pattern. */
  private readonly whole: RegExp | undefined;
  private readonly unicode: boolean;

  constructor(
    private readonly index: LiteralIndex,
    sources: readonly string[],
    flags: string,
    analyse: PatternAnalysis = requiredLiterals,
  ) {
    this.required = sources.map((source) => analyse(source, flags)?.map((clause) => index.clauseId(clause)));
    const global = flags.includes('g') ? flags : `${flags}g`;
    const separable = !flags.includes('y') && !sources.some(readsGroups);
    this.single = separable ? sources.map((source) => new RegExp(source, global)) : undefined;
    this.whole = separable ? undefined : new RegExp(sources.map((source) => `(?:${source})`).join('|'), global);
    this.unicode = flags.includes('u') || flags.includes('v');
  }

  /** Indices of the patterns that may match a text with these hits, in the list's order. */
  candidates(hits: LiteralHits): number[] {
    if (hits.index !== this.index) throw new Error('pattern-prefilter: hits of another literal index');
    const found: number[] = [];
    this.required.forEach((clauses, pattern) => {
      if (!clauses || clauses.every((clause) => hits.meets(clause))) found.push(pattern);
    });
    return found;
  }

  /** Whether any pattern may match a text with these hits (false: none can). */
  mayMatch(hits: LiteralHits): boolean {
    if (hits.index !== this.index) throw new Error('pattern-prefilter: hits of another literal index');
    return this.required.some((clauses) => !clauses || clauses.every((clause) => hits.meets(clause)));
  }

  /** Whether the union matches `text` (whose hits these are). */
  test(text: string, hits: LiteralHits): boolean {
    const candidates = this.candidates(hits);
    if (candidates.length === 0) return false;
    const patterns = this.single ? candidates.map((pattern) => (this.single as readonly RegExp[])[pattern] as RegExp) : [this.whole as RegExp];
    return patterns.some((pattern) => {
      pattern.lastIndex = 0;
      const found = pattern.test(text);
      pattern.lastIndex = 0;
      return found;
    });
  }

  /** The union's matches in `text` (whose hits these are), as `text.matchAll(union)` gives them. */
  matches(text: string, hits: LiteralHits): PatternMatch[] {
    const candidates = this.candidates(hits);
    if (candidates.length === 0) return [];
    const patterns = this.single ? candidates.map((pattern) => (this.single as readonly RegExp[])[pattern] as RegExp) : [this.whole as RegExp];
    const found: PatternMatch[] = [];
    /** Each pattern's leftmost match at or after the last search start (null: none), until it falls behind lastIndex. */
    const next: (PatternMatch | null | undefined)[] = [];
    let lastIndex = 0;
    while (lastIndex <= text.length) {
      let earliest: PatternMatch | undefined;
      patterns.forEach((pattern, at) => {
        let match = next[at];
        if (match === undefined || (match !== null && match.start < lastIndex)) {
          pattern.lastIndex = lastIndex;
          const result = pattern.exec(text);
          match = result ? { start: result.index, end: result.index + result[0].length } : null;
          next[at] = match;
        }
        if (match && (!earliest || match.start < earliest.start)) earliest = match;
      });
      if (!earliest) break;
      found.push(earliest);
      lastIndex = earliest.end > earliest.start ? earliest.end : advance(text, earliest.end, this.unicode);
    }
    for (const pattern of patterns) pattern.lastIndex = 0;
    return found;
  }

  /** `text.replace(union, replacer)` for a global union: each match replaced, the rest kept. */
  replace(text: string, hits: LiteralHits, replacer: (matched: string) => string): string {
    const found = this.matches(text, hits);
    if (found.length === 0) return text;
    let result = '';
    let kept = 0;
    for (const { start, end } of found) {
      result += text.slice(kept, start) + replacer(text.slice(start, end));
      kept = end;
    }
    return result + text.slice(kept);
  }
}

export interface StoredPatternLiterals {
  readonly analyse: PatternAnalysis;
  /** Writes what was read from the patterns, when it was not read from the file (a read-only folder: nothing). */
  save(): void;
}

/** The stored form: each string and each clause once (the medicine words fill many patterns), then per pattern its clauses or null. */
interface StoredForm {
  readonly strings: string[];
  readonly clauses: number[][];
  readonly patterns: (number[] | null)[];
}

const isIndexList = (value: unknown, size: number): value is number[] => Array.isArray(value) && value.every((item) => Number.isInteger(item) && item >= 0 && item < size);

/** The clauses per pattern a stored file holds, or undefined when it is not one this code wrote for these patterns. */
function readStoredForm(stored: Buffer | undefined, patterns: number): (Clause[] | undefined)[] | undefined {
  if (!stored) return undefined;
  let form: Partial<StoredForm>;
  try {
    form = JSON.parse(stored.toString('utf8')) as Partial<StoredForm>;
  } catch (error) {
    // A damaged file: the patterns are read, and the file written again.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof form !== 'object' || form === null) return undefined;
  const { strings, clauses, patterns: perPattern } = form;
  if (!Array.isArray(strings) || !strings.every((text) => typeof text === 'string')) return undefined;
  if (!Array.isArray(clauses) || !clauses.every((clause) => isIndexList(clause, strings.length))) return undefined;
  if (!Array.isArray(perPattern) || perPattern.length !== patterns || !perPattern.every((item) => item === null || isIndexList(item, clauses.length))) return undefined;
  const clauseStrings = clauses.map((clause) => clause.map((index) => strings[index] as string));
  return perPattern.map((item) => (item === null ? undefined : item.map((index) => clauseStrings[index] as Clause)));
}

function storedForm(found: readonly (readonly Clause[] | undefined)[]): StoredForm {
  const strings = new Map<string, number>();
  const clauses = new Map<string, number>();
  const form: StoredForm = { strings: [], clauses: [], patterns: [] };
  const stringId = (text: string) => {
    let id = strings.get(text);
    if (id === undefined) {
      id = form.strings.push(text) - 1;
      strings.set(text, id);
    }
    return id;
  };
  const clauseId = (clause: Clause) => {
    const key = clause.join('\u0000');
    let id = clauses.get(key);
    if (id === undefined) {
      id = form.clauses.push(clause.map(stringId)) - 1;
      clauses.set(key, id);
    }
    return id;
  };
  for (const item of found) form.patterns.push(item ? item.map(clauseId) : null);
  return form;
}

function analysisKey(patterns: readonly (readonly [source: string, flags: string])[]): string {
  const hash = createHash('sha256').update(codeDigest(__filename));
  for (const [source, flags] of patterns) hash.update(`\u0000${flags}\u0000${source}`);
  return hash.digest('hex').slice(0, 32);
}

/** Stored analyses kept per name: each lexicon edit writes a new file. */
const storedKept = 4;

export interface PatternLiteralOptions {
  /** Where what each pattern requires is kept between starts; false or unset: not kept. */
  readonly cacheDir?: string | false;
  /** false: no pattern is ruled out, every one always runs (to check that the prefilter changes no answer). */
  readonly prefilter?: boolean;
}

/** An analysis that knows nothing: every pattern runs. */
const runsAlways: PatternAnalysis = () => undefined;

/**
 * `requiredLiterals` for a known set of patterns, kept in `options.cacheDir` in a file named by `name` and a
 * hash of this module's code (the bundle's, in production), every pattern and its flags: a changed pattern or
 * analysis names another file, and an old file is never read (keyed-cache-file.ts, as the learned weights).
 */
export function storedPatternLiterals(options: PatternLiteralOptions, name: string, patterns: readonly (readonly [source: string, flags: string])[]): StoredPatternLiterals {
  if (options.prefilter === false) return { analyse: runsAlways, save: () => {} };
  const { cacheDir = false } = options;
  const files = cacheDir === false ? undefined : new KeyedCacheFiles(cacheDir, name, '.json', storedKept);
  const key = files ? analysisKey(patterns) : '';
  const read = files ? readStoredForm(files.read(key), patterns.length) : undefined;
  const stored = new Map<string, readonly Clause[] | undefined>();
  read?.forEach((clauses, index) => {
    const [source, flags] = patterns[index] as readonly [string, string];
    stored.set(`${flags}\u0000${source}`, clauses);
  });
  return {
    analyse: (source, flags) => {
      const patternKey = `${flags}\u0000${source}`;
      return stored.has(patternKey) ? stored.get(patternKey) : requiredLiterals(source, flags);
    },
    save: () => {
      if (!files || read) return;
      // false: a read-only cache folder, so the patterns are read again at each start.
      files.write(key, JSON.stringify(storedForm(patterns.map(([source, flags]) => requiredLiterals(source, flags)))));
    },
  };
}
