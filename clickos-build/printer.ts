import type { ClassRef, ClickConfig, CompoundClass, Config, ElementExpr, Endpoint, PortList, Statement } from './ast.js';

/** Prints an AST back as Click text; configuration strings are written exactly as read. */
export function print(config: ClickConfig): string {
  return printStatements(config.statements, '');
}

function printStatements(statements: Statement[], indent: string): string {
  return statements.map((s) => `${indent}${printStatement(s, indent)}\n`).join('');
}

function cfg(c: Config | null): string {
  return c === null ? '' : `(${c.raw})`;
}

function printClass(c: ClassRef, indent: string): string {
  return c.kind === 'class' ? c.name : printCompound(c.compound, indent);
}

function printCompound(c: CompoundClass, indent: string): string {
  const inner = `${indent}  `;
  const bodies = c.bodies.map((b) => {
    const formals = b.formals.length
      ? `${inner}${b.formals.map((f) => (f.keyword === null ? `$${f.name}` : `${f.keyword} $${f.name}`)).join(', ')} |\n`
      : '';
    return formals + printStatements(b.statements, inner);
  });
  if (c.extendsPrevious) bodies.push(`${inner}...\n`);
  return `{\n${bodies.join(`${indent}||\n`)}${indent}}`;
}

function printElement(e: ElementExpr, indent: string): string {
  switch (e.kind) {
    case 'ref':
      return e.name;
    case 'decl':
      return `${e.name} :: ${printClass(e.class, indent)}${cfg(e.config)}`;
    case 'anon':
      return `${printClass(e.class, indent)}${cfg(e.config)}`;
    case 'implicit':
      return '';
    case 'group':
      return `(\n${printStatements(e.statements, `${indent}  `)}${indent})`;
  }
}

function printPorts(p: PortList | null): string {
  if (!p) return '';
  return `[${p.ports.join(', ')}${p.expandable && p.ports.length ? ',' : ''}]`;
}

function printEndpoint(ep: Endpoint, indent: string): string {
  return [printPorts(ep.inPorts), printElement(ep.element, indent), printPorts(ep.outPorts)].filter((x) => x).join(' ');
}

function printStatement(s: Statement, indent: string): string {
  switch (s.kind) {
    case 'declaration':
      return `${s.names.map((n) => n.name).join(', ')} :: ${printClass(s.class, indent)}${cfg(s.config)};`;
    case 'connection':
      return `${s.sets
        .map((set, i) => (i ? ` ${s.connectors[i - 1]} ` : '') + set.map((ep) => printEndpoint(ep, indent)).join(', '))
        .join('')
        .trim()};`;
    case 'elementclass':
      return `elementclass ${s.name} ${printCompound(s.compound, indent)}`;
    case 'synonym':
      return `elementclass ${s.name} ${s.target.name};`;
    case 'require':
      return `require(${s.config.raw});`;
    case 'define':
      return `define(${s.config.raw});`;
  }
}
