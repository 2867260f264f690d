// Progress for long waits: a live line on a TTY, silence in scripts.
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private text = '';
  private readonly start = Date.now();
  private readonly tty: boolean;
  private frame = 0;

  constructor(private readonly title: string, stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY) && process.env.CI === undefined;
    this.stream = stream;
    if (this.tty) this.timer = setInterval(() => this.draw(), 200);
  }
  private readonly stream: NodeJS.WriteStream;

  set(text: string): void {
    this.text = text;
  }

  private draw(): void {
    const spin = '|/-\\'[this.frame++ % 4];
    const secs = ((Date.now() - this.start) / 1000).toFixed(1);
    this.stream.write(`\r\x1b[2K${spin} ${this.title}: ${this.text} (${secs}s)`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.stream.write('\r\x1b[2K');
  }
}
