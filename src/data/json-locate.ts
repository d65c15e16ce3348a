/**
 * JSON with locations: `JSON.parse` does the parsing; a small grammar scanner finds the line and
 * column of a syntax error (Node's messages often give neither) and the line of each element of the
 * arrays under a top-level object (so that a bad item of a split file is named by its line).
 */
import { UserError } from '../util/errors.ts';
import { LineIndex, lineCol } from './common.ts';

/** A syntax error found by the scanner, at a character offset. */
class ScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Recursive-descent JSON grammar checker that records the offsets of top-level arrays' elements. */
class Scanner {
  private i = 0;
  readonly items = new Map<string, number[]>();

  constructor(private readonly t: string) {}

  run(): void {
    this.value(0, null);
    this.ws();
    if (this.i < this.t.length) this.fail('unexpected text after the end of the JSON value');
  }

  private fail(msg: string): never {
    throw new ScanError(this.i, msg);
  }

  private what(): string {
    return this.i >= this.t.length ? 'end of file' : `character ${JSON.stringify(this.t[this.i])}`;
  }

  private ws(): void {
    const t = this.t;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(depth: number, key: string | null): void {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.ws();
    const c = this.t[this.i];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth, key);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.i;
      const m = NUMBER.exec(this.t);
      if (!m) this.fail('malformed number');
      this.i += m[0].length;
    } else if (this.t.startsWith('true', this.i)) this.i += 4;
    else if (this.t.startsWith('false', this.i)) this.i += 5;
    else if (this.t.startsWith('null', this.i)) this.i += 4;
    else this.fail(`unexpected ${this.what()}: expected a value`);
  }

  private object(depth: number): void {
    this.i++;
    this.ws();
    if (this.t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.t[this.i] !== '"') this.fail(`unexpected ${this.what()}: expected a property name in double quotes`);
      const key = this.string();
      this.ws();
      if (this.t[this.i] !== ':') this.fail(`unexpected ${this.what()}: expected ':' after a property name`);
      this.i++;
      this.value(depth + 1, depth === 0 ? key : null);
      this.ws();
      const c = this.t[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.t[this.i] === '}') this.fail('trailing comma before }');
      } else if (c === '}') {
        this.i++;
        return;
      } else this.fail(`unexpected ${this.what()}: expected ',' or '}' after a property value`);
    }
  }

  private array(depth: number, key: string | null): void {
    this.i++;
    this.ws();
    if (this.t[this.i] === ']') {
      this.i++;
      return;
    }
    const offsets: number[] | null = key !== null && depth === 1 ? [] : null;
    if (offsets && key !== null) this.items.set(key, offsets);
    for (;;) {
      this.ws();
      offsets?.push(this.i);
      this.value(depth + 1, null);
      this.ws();
      const c = this.t[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.t[this.i] === ']') this.fail('trailing comma before ]');
      } else if (c === ']') {
        this.i++;
        return;
      } else this.fail(`unexpected ${this.what()}: expected ',' or ']' after an array element`);
    }
  }

  /** Scans a string starting at its opening quote; returns its value. */
  private string(): string {
    const start = this.i;
    this.i++;
    const t = this.t;
    for (;;) {
      if (this.i >= t.length) {
        this.i = start;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return JSON.parse(t.slice(start, this.i)) as string;
      }
      if (c < 32) this.fail('control character (e.g. a line break) inside a string');
      if (c === 92) {
        const e = t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape in a string');
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail('bad escape sequence in a string');
      } else this.i++;
    }
  }
}

/** A parsed JSON document with the lines of the elements of its top-level arrays. */
export interface LocatedJson {
  value: unknown;
  /**
   * 1-based line of element `index` of the array stored under top-level key `key` (e.g.
   * `lineOf('train', 12)`), or undefined when there is no such element.
   */
  lineOf(key: string, index: number): number | undefined;
}

/**
 * Parses JSON text; on a syntax error, throws a UserError naming the file, the line and column
 * and what was expected.
 * @param file the file name used in messages.
 * @throws UserError on invalid JSON (`FILE, line L, column C: invalid JSON: …`).
 */
export function parseJsonLocated(text: string, file: string): LocatedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const sc = new Scanner(text);
    try {
      sc.run();
    } catch (se) {
      if (se instanceof ScanError) {
        const { line, col } = lineCol(text, se.offset);
        throw new UserError(`${file}, line ${line}, column ${col}: invalid JSON: ${se.message}`);
      }
      throw se;
    }
    const m = /position (\d+)/.exec((e as Error).message);
    const where = m ? lineCol(text, Number(m[1])) : null;
    throw new UserError(`${file}${where ? `, line ${where.line}, column ${where.col}` : ''}: invalid JSON: ${(e as Error).message}`);
  }
  let items: Map<string, number[]> | null = null;
  let lines: LineIndex | null = null;
  return {
    value,
    lineOf(key: string, index: number): number | undefined {
      if (items === null) {
        const sc = new Scanner(text);
        try {
          sc.run();
        } catch {
          // JSON.parse accepted it, so this cannot happen; fall back to no locations.
        }
        items = sc.items;
        lines = new LineIndex(text);
      }
      const off = items.get(key)?.[index];
      return off === undefined || lines === null ? undefined : lines.line(off);
    },
  };
}
