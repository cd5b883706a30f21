import { StringDecoder } from 'node:string_decoder';

/** Longest partial line kept before it is emitted anyway (a process that never prints a newline). */
const MAX_PARTIAL = 64 * 1024;

/**
 * Splits a byte stream into text lines. `\r\n` ends a line like `\n`; a line redrawn with bare
 * `\r` (a progress bar) keeps only its last drawing, as a terminal would show it.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const part of parts) this.emit(part);
    if (this.rest.length > MAX_PARTIAL) {
      this.emit(this.rest);
      this.rest = '';
    }
  }

  end(): void {
    const text = this.rest + this.decoder.end();
    this.rest = '';
    if (text.length > 0) this.emit(text);
  }

  private emit(raw: string): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const redraw = line.lastIndexOf('\r');
    if (redraw >= 0) line = line.slice(redraw + 1);
    this.onLine(line);
  }
}

/** The last `size` lines seen. */
export class Tail {
  private readonly lines: string[] = [];

  constructor(private readonly size: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  get(): string[] {
    return [...this.lines];
  }
}
