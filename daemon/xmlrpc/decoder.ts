// One-pass XML-RPC decoding on sax events (strict mode): each element opens a frame on a
// stack, text accumulates in its frame, and closing an element turns the frame into its
// value and hands that to the parent frame. A methodCall becomes {methodName, params}
// with no intermediate tree (xml2js built a generic object tree that was then walked a
// second time, about three times the cost).
//
// Faults keep the precedence of a parse-then-check decoder: a document that is not
// well-formed (sax's errors, and ours: attributes, a second root, too deep, too many
// elements) is a PARSE_ERROR even when an XML-RPC mistake comes before the flaw. So
// the first XML-RPC mistake (INVALID_XMLRPC) is only remembered; frames stop being
// built and sax reads on, still counting depth and elements; the remembered fault is
// thrown once the whole document proved well-formed.
import sax from 'sax';
import { Fault, FaultCode } from './fault.js';
import { MAX_ELEMENTS, MAX_ELEMENT_DEPTH, parseError, prescan } from './xml.js';
import { MAX_DEPTH, parseBase64, parseBoolean, parseDateTime, parseDouble, parseInt4, parseInt8, setMember, type XmlRpcStruct, type XmlRpcValue } from './values.js';

export type Root = 'methodCall' | 'methodResponse';

/** What a document held: the root's parts, unchecked beyond the grammar (messages.ts judges them). */
export interface Decoded {
  methodName: string;
  params: XmlRpcValue[] | undefined;
  /** A <fault>'s value (a methodResponse with a fault has nothing else). */
  fault: XmlRpcValue | undefined;
  hasFault: boolean;
}

// Frame kinds. The scalar kinds are the leaves inside a <value>.
const METHOD_CALL = 0;
const METHOD_RESPONSE = 1;
const METHOD_NAME = 2;
const PARAMS = 3;
const PARAM = 4;
const FAULT = 5;
const VALUE = 6;
const STRUCT = 7;
const MEMBER = 8;
const NAME = 9;
const ARRAY = 10;
const DATA = 11;
const INT = 12;
const BOOLEAN = 13;
const STRING = 14;
const DOUBLE = 15;
const DATETIME = 16;
const BASE64 = 17;
const NIL = 18;
const I8 = 19;

const TYPES: ReadonlyMap<string, number> = new Map([
  ['int', INT],
  ['i4', INT],
  ['i8', I8],
  ['boolean', BOOLEAN],
  ['string', STRING],
  ['double', DOUBLE],
  ['dateTime.iso8601', DATETIME],
  ['base64', BASE64],
  ['nil', NIL],
  ['struct', STRUCT],
  ['array', ARRAY],
]);

const NON_WS = /\S/;

function invalid(msg: string): Fault {
  return new Fault(FaultCode.INVALID_XMLRPC, msg);
}

/** One open element. a/b count the children that may occur once (methodName/params, params/fault, name/value, data, value). */
class Frame {
  text = '';
  a = 0;
  b = 0;
  /** <value>: the tag of its typed child, '' while untyped. */
  type = '';
  value: XmlRpcValue = null;
  /** <member>: its name; <methodCall>: the method name. */
  name = '';
  list: XmlRpcValue[] | undefined;
  obj: XmlRpcStruct | undefined;

  constructor(
    readonly kind: number,
    readonly tag: string,
    /** Value nesting of the <value> this frame is in (or is), as MAX_DEPTH counts it. */
    readonly depth: number,
  ) {}
}

class Decoder {
  private readonly parser: sax.SAXParser;
  private root: Root = 'methodCall';
  private stack: Frame[] = [];
  private depth = 0;
  private elements = 0;
  private sawRoot = false;
  private deferred: Fault | undefined;
  private result: Decoded | undefined;

  constructor() {
    // strictEntities: only XML's five named entities (sax would otherwise take HTML's &nbsp; and co);
    // position off: no per-character line/column bookkeeping (fault strings never gave positions).
    this.parser = sax.parser(true, { position: false, strictEntities: true } as sax.SAXOptions);
    const p = this.parser;
    p.onopentag = (t) => this.open(t.name, t.isSelfClosing);
    p.onclosetag = () => this.close();
    p.ontext = (t) => this.text(t);
    p.onattribute = (a) => {
      throw parseError(`attributes are refused (${JSON.stringify(a.name.slice(0, 40))})`);
    };
    p.onerror = (e) => {
      throw parseError(`malformed XML: ${e.message.split('\n')[0]}`);
    };
    // The pre-scan refuses all of these before sax runs; refused here again should it ever change.
    p.ondoctype = p.oncomment = p.onopencdata = p.onsgmldeclaration = () => {
      throw parseError('DTDs, entities, comments and CDATA are refused');
    };
    p.onprocessinginstruction = () => {
      throw parseError('processing instructions are refused');
    };
  }

  decode(text: string, root: Root): Decoded {
    this.root = root;
    this.stack = [];
    this.depth = this.elements = 0;
    this.sawRoot = false;
    this.deferred = this.result = undefined;
    this.parser.write(text).close();
    const { result, deferred } = this;
    // The shared decoder must not keep the last request's values alive until the next one.
    this.stack = [];
    this.deferred = this.result = undefined;
    if (!this.sawRoot) throw parseError('no root element');
    if (deferred) throw deferred;
    if (!result) throw parseError('empty document');
    return result;
  }

  /** An XML-RPC mistake: remembered (the first one), and no more frames are built. */
  private defer(e: unknown): void {
    if (!(e instanceof Fault) || e.faultCode !== FaultCode.INVALID_XMLRPC) throw e;
    this.deferred ??= e;
  }

  private open(tag: string, selfClosing: boolean): void {
    if (++this.elements > MAX_ELEMENTS) throw parseError('too many elements');
    if (this.depth === 0 && this.sawRoot) throw parseError('more than one root element');
    this.sawRoot = true;
    if (++this.depth > MAX_ELEMENT_DEPTH && !selfClosing) throw parseError(`nested deeper than ${MAX_ELEMENT_DEPTH} elements`);
    if (this.deferred) return;
    try {
      this.stack.push(this.frameFor(tag));
    } catch (e) {
      this.defer(e);
    }
  }

  private close(): void {
    this.depth--;
    if (this.deferred) return;
    try {
      this.finish(this.stack.pop()!);
    } catch (e) {
      this.defer(e);
    }
  }

  private text(t: string): void {
    if (this.deferred) return;
    const f = this.stack[this.stack.length - 1];
    if (!f) return; // outside the root: sax refuses anything but whitespace there
    if (f.kind >= INT || f.kind === VALUE || f.kind === NAME || f.kind === METHOD_NAME) f.text += t;
    else if (NON_WS.test(t)) this.defer(invalid(`stray text in <${f.tag}>`));
  }

  /** The frame of a new element, if its parent may hold it. */
  private frameFor(tag: string): Frame {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) {
      if (tag !== this.root) throw invalid(`root element must be <${this.root}>`);
      return new Frame(tag === 'methodCall' ? METHOD_CALL : METHOD_RESPONSE, tag, 0);
    }
    switch (parent.kind) {
      case METHOD_CALL:
        if (tag === 'methodName') {
          if (++parent.a > 1) throw invalid('<methodCall> needs exactly one <methodName>');
          return new Frame(METHOD_NAME, tag, 0);
        }
        if (tag === 'params') return this.params(parent);
        break;
      case METHOD_RESPONSE:
        if (tag === 'params') return this.params(parent);
        if (tag === 'fault') {
          if (++parent.a > 1) throw invalid('malformed fault response');
          return new Frame(FAULT, tag, 0);
        }
        break;
      case PARAMS:
        if (tag === 'param') return new Frame(PARAM, tag, 0);
        break;
      case PARAM:
      case FAULT:
        if (tag === 'value') {
          if (++parent.a > 1) throw invalid(`<${parent.tag}> needs exactly one <value>`);
          return new Frame(VALUE, tag, 0);
        }
        break;
      case VALUE: {
        if (parent.type) throw invalid(`<value> holds more than one type: ${parent.type}, ${tag}`);
        if (NON_WS.test(parent.text)) throw invalid('stray text in <value>');
        const kind = TYPES.get(tag);
        if (kind === undefined) throw invalid(`unknown value type <${tag}>`);
        parent.type = tag;
        const f = new Frame(kind, tag, parent.depth);
        if (kind === STRUCT) f.obj = {};
        return f;
      }
      case STRUCT:
        if (tag === 'member') return new Frame(MEMBER, tag, parent.depth);
        break;
      case MEMBER:
        if (tag === 'name') {
          if (++parent.a > 1) throw invalid('<member> needs exactly one <name>');
          return new Frame(NAME, tag, parent.depth);
        }
        if (tag === 'value') {
          if (++parent.b > 1) throw invalid('<member> needs exactly one <value>');
          return this.nestedValue(parent);
        }
        break;
      case ARRAY:
        if (tag === 'data') {
          if (++parent.a > 1) throw invalid('<array> needs exactly one <data>');
          const f = new Frame(DATA, tag, parent.depth);
          f.list = [];
          return f;
        }
        break;
      case DATA:
        if (tag === 'value') return this.nestedValue(parent);
        break;
      default: // METHOD_NAME, NAME and the scalars hold text only
        throw invalid(`<${parent.tag}> must hold text only`);
    }
    throw invalid(`unexpected <${tag}> in <${parent.tag}>`);
  }

  private params(root: Frame): Frame {
    if (++root.b > 1) throw invalid('more than one <params>');
    const f = new Frame(PARAMS, 'params', 0);
    f.list = [];
    return f;
  }

  /** A <value> inside a struct or array: one level deeper than the value holding them. */
  private nestedValue(parent: Frame): Frame {
    const depth = parent.depth + 1;
    if (depth > MAX_DEPTH) throw invalid(`value nested deeper than ${MAX_DEPTH}`);
    return new Frame(VALUE, 'value', depth);
  }

  /** A closed element: its value goes to its parent (now the top of the stack). */
  private finish(f: Frame): void {
    const parent = this.stack[this.stack.length - 1]!;
    switch (f.kind) {
      case INT:
        parent.value = parseInt4(f.text);
        return;
      case I8:
        parent.value = parseInt8(f.text);
        return;
      case BOOLEAN:
        parent.value = parseBoolean(f.text);
        return;
      case STRING:
        parent.value = f.text;
        return;
      case DOUBLE:
        parent.value = parseDouble(f.text);
        return;
      case DATETIME:
        parent.value = parseDateTime(f.text);
        return;
      case BASE64:
        parent.value = parseBase64(f.text);
        return;
      case NIL:
        if (f.text !== '') throw invalid('<nil/> must be empty');
        parent.value = null;
        return;
      case STRUCT:
        parent.value = f.obj!;
        return;
      case ARRAY:
        if (f.a !== 1) throw invalid('<array> needs exactly one <data>');
        parent.value = f.value;
        return;
      case DATA:
        parent.value = f.list!;
        return;
      case VALUE: {
        let v: XmlRpcValue;
        if (f.type) {
          if (NON_WS.test(f.text)) throw invalid('stray text in <value>');
          v = f.value;
        } else v = f.text; // untyped: a string, whitespace and all
        if (parent.kind === DATA) parent.list!.push(v);
        else parent.value = v; // PARAM, FAULT, MEMBER
        return;
      }
      case NAME:
        parent.name = f.text;
        return;
      case MEMBER: {
        if (f.a !== 1) throw invalid('<member> needs exactly one <name>');
        if (f.b !== 1) throw invalid('<member> needs exactly one <value>');
        const out = parent.obj!;
        if (Object.prototype.hasOwnProperty.call(out, f.name)) throw invalid(`struct member ${JSON.stringify(f.name.slice(0, 40))} given twice`);
        setMember(out, f.name, f.value);
        return;
      }
      case PARAM:
        if (f.a !== 1) throw invalid('<param> needs exactly one <value>');
        parent.list!.push(f.value);
        return;
      case PARAMS:
        parent.list = f.list;
        return;
      case FAULT:
        if (f.a !== 1) throw invalid('<fault> needs exactly one <value>');
        parent.value = f.value;
        return;
      case METHOD_NAME:
        parent.name = f.text;
        return;
      case METHOD_CALL:
        if (f.a !== 1) throw invalid('<methodCall> needs exactly one <methodName>');
        this.result = { methodName: f.name, params: f.list, fault: undefined, hasFault: false };
        return;
      case METHOD_RESPONSE:
        if (f.a > 0 && f.b > 0) throw invalid('malformed fault response');
        this.result = { methodName: '', params: f.list, fault: f.value, hasFault: f.a > 0 };
        return;
    }
  }
}

// One decoder (and so one sax parser) reused: decoding is synchronous, so calls never
// overlap. A parser that threw mid-document is in an unknown state and is replaced.
let shared: Decoder | undefined;

/** Decodes a whole XML-RPC document whose root must be `root`. */
export function decodeDocument(text: string, root: Root): Decoded {
  const s = prescan(text);
  const d = shared ?? new Decoder();
  shared = undefined;
  const out = d.decode(s, root); // a throw leaves `shared` unset: the next call makes a new parser
  shared = d;
  return out;
}
