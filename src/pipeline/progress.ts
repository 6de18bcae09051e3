// A progress line on stderr while a long run goes on: bytes, rows/s and, when the total is known,
// percent and ETA. Only on a terminal: logs and pipes get nothing.

export class Progress {
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private last = 0;

  constructor(private readonly totalBytes: number | null, wanted: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = wanted && stream.isTTY === true;
  }

  update(bytes: number, rows: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const parts = [`${mb(bytes)}${this.totalBytes ? ` / ${mb(this.totalBytes)}` : ''}`];
    if (this.totalBytes) parts.push(`${((100 * bytes) / this.totalBytes).toFixed(0)}%`);
    parts.push(`${Math.round(rows / Math.max(seconds, 1e-3)).toLocaleString('en-US')} rows/s`);
    if (this.totalBytes && bytes > 0) parts.push(`ETA ${Math.max(0, Math.round((seconds * (this.totalBytes - bytes)) / bytes))} s`);
    this.stream.write(`\r\x1b[K${parts.join('  ')}`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
