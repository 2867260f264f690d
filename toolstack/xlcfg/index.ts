export { XlConfig, formatNode, parseXlLong, type XlValue } from './document.js';
export { XlCfgSyntaxError } from './lexer.js';
