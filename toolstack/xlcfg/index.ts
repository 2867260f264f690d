export { XlConfig, formatNode, type XlValue } from './document.js';
export { XlCfgSyntaxError } from './lexer.js';
