import pino from 'pino';

export type Logger = pino.Logger;

// One JSON line per event on stdout. Keys and PEM blocks must never reach a log line:
// redact the fields that could carry them, in case a caller passes an object through.
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['key', 'privateKey', 'pem', '*.key', '*.privateKey', '*.pem'], censor: '[redacted]' },
  });
}
