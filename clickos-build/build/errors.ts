// Errors of the image build: each says what went wrong and what to do next.

/** A config the build refuses (syntax, unknown or non-ClickOS elements): the checker's messages. */
export class PlanError extends Error {
  constructor(readonly diagnostics: string[]) {
    super(`the configs do not check:\n  ${diagnostics.join('\n  ')}`);
    this.name = 'PlanError';
  }
}

/** Source trees the build needs are absent; the message says what to fetch, where, and what to run. */
export class MissingSourcesError extends Error {
  constructor(message: string, readonly missing: string[]) {
    super(message);
    this.name = 'MissingSourcesError';
  }
}

/** A build step's program failed; the message names its log and quotes the end of it. */
export class BuildStepError extends Error {
  constructor(readonly step: string, readonly log: string, message: string) {
    super(message);
    this.name = 'BuildStepError';
  }
}

/** The element selection could not be made from the ClickOS tree's element list. */
export class ElementSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElementSelectionError';
  }
}
