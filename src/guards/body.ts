import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { SoapFault } from '../soap/faults.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

function tooLarge(limit: number, closeConnection: boolean): SoapFault {
  return new SoapFault(
    'Client',
    'MESSAGE_TROP_VOLUMINEUX',
    `Le message dépasse la taille maximale de ${limit} octets (après décompression).`,
    [],
    {},
    closeConnection,
  );
}

/**
 * Reads the request body, refusing it past `limit` bytes before and after decompression
 * (a small gzip can inflate to gigabytes). Stops reading as soon as the cap is passed; the
 * fault then asks to close the connection, since the rest of the body was not consumed.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, true);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit, true);
    chunks.push(chunk);
  }
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  try {
    if (encoding === 'identity' || encoding === '') return raw;
    if (encoding === 'gzip' || encoding === 'x-gzip') return await gunzipAsync(raw, { maxOutputLength: limit });
    if (encoding === 'deflate') return await inflateAsync(raw, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit, false);
    throw new SoapFault('Client', 'ENCODAGE_CONTENU_INVALIDE', `Le corps compressé (${encoding}) est illisible : ${(err as Error).message}.`);
  }
  throw new SoapFault('Client', 'ENCODAGE_CONTENU_NON_SUPPORTE', `Content-Encoding "${encoding}" non supporté : utilisez identity, gzip ou deflate.`);
}
