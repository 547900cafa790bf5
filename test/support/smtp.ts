// A real SMTP server (smtp-server) on 127.0.0.1, ephemeral port, keeping what arrives: the tests
// read the raw messages the gateway sends and parse them with mailparser.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Received {
  envelopeTo: string[];
  raw: string;
  mail: ParsedMail;
}

export interface TestSmtp {
  url: string;
  received: Received[];
  /** The next n messages are refused at the end of DATA with this reply code (4xx temporary, 5xx permanent). */
  refuseNext(n: number, code: number): void;
  /** Messages refused so far. */
  refused: number;
  /** Waits until a received message satisfies the predicate (bounded: throws after the wait). */
  waitFor(pred: (r: Received) => boolean, what: string, ms?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  let toRefuse = 0;
  let refuseCode = 451;
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const state = { refused: 0 };
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no self-signed STARTTLS for the client to trip over.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (toRefuse > 0) {
          toRefuse--;
          state.refused++;
          const err = Object.assign(new Error(refuseCode >= 500 ? 'Rejected for good' : 'Try again later'), { responseCode: refuseCode });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (mail) => {
            received.push({ envelopeTo: session.envelope.rcptTo.map((a) => a.address), raw, mail });
            for (const w of waiters) w();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get refused() {
      return state.refused;
    },
    refuseNext(n, code) {
      toRefuse = n;
      refuseCode = code;
    },
    waitFor(pred, what, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = received.find(pred);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail ${what} arrived; received: ${received.map((r) => r.mail.subject).join(' | ') || 'none'}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } as TestSmtp;
}
