// What the routing room refuses, with where (README.md "Route tables").

/** One refused line of a route table. */
export interface RouteLineError {
  /** 1-based */
  line: number;
  message: string;
}

/** A route table refused whole: every bad line, each with its number; nothing was installed. */
export class RouteTableError extends Error {
  constructor(readonly source: string, readonly errors: RouteLineError[]) {
    super(`route table ${source} refused:\n${errors.map((e) => `  ${source}:${e.line}: ${e.message}`).join('\n')}`);
    this.name = 'RouteTableError';
  }
}

/** Next hops, ports or options that cannot make a router or its fast path. */
export class RoutingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutingInputError';
  }
}
