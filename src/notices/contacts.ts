// Operators' contacts: who receives their notices.
import type { Pool, PoolClient } from '../db/pool.js';

export type Db = Pool | PoolClient;

export const CONTACT_ROLES = ['technique', 'administrateur', 'commercial'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export interface Contact {
  siren: string;
  email: string;
  role: ContactRole;
}

/** Adds the contact, or changes its role; true when it is new. */
export async function setContact(db: Db, c: Contact): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO operator_contacts (operator_siren, email, role) VALUES ($1, $2, $3)
     ON CONFLICT (operator_siren, email) DO UPDATE SET role = EXCLUDED.role RETURNING (xmax = 0) AS inserted`,
    [c.siren, c.email, c.role],
  );
  return r.rows[0].inserted;
}

export async function removeContact(db: Db, siren: string, email: string): Promise<boolean> {
  const r = await db.query('DELETE FROM operator_contacts WHERE operator_siren = $1 AND lower(email) = lower($2)', [siren, email]);
  return (r.rowCount ?? 0) > 0;
}

export async function listContacts(db: Db, siren?: string): Promise<Contact[]> {
  const r = await db.query(
    `SELECT operator_siren AS siren, email, role FROM operator_contacts ${siren ? 'WHERE operator_siren = $1' : ''} ORDER BY operator_siren, role, email`,
    siren ? [siren] : [],
  );
  return r.rows;
}

/** Every operator with the addresses of its contacts (none: an empty list). */
export async function operatorsWithContacts(db: Db, siren?: string | null): Promise<Array<{ siren: string; name: string; emails: string[] }>> {
  const r = await db.query(
    `SELECT o.siren, o.name, COALESCE(array_agg(c.email ORDER BY c.role, c.email) FILTER (WHERE c.email IS NOT NULL), '{}') AS emails
       FROM operators o LEFT JOIN operator_contacts c ON c.operator_siren = o.siren
      ${siren ? 'WHERE o.siren = $1' : ''}
      GROUP BY o.siren, o.name ORDER BY o.siren`,
    siren ? [siren] : [],
  );
  return r.rows;
}
