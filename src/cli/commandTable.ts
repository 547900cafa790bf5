// Every ops command but `serve`, loaded only when one of them runs: `esav serve` (the primary
// and each worker) does not load the command modules.
import type { loadConfig } from '../config.js';
import { migrateCmd, operatorAdd, prestationAdd, type Out } from './commands.js';
import * as certs from './certs.js';
import { ticketAdvance, ticketComment } from './tickets.js';
import { dayOff, planningList, planningLoad, technicianAdd } from './planning.js';
import { travauxClose, travauxCreate, travauxImpacted, travauxList, travauxUpdate } from './works.js';
import { offerTestRequired, offerTests, volumetryCmd } from './tests.js';
import * as lifecycle from './lifecycle.js';
import { statsCmd } from './stats.js';
import { catalogueRender } from './catalogueRender.js';
import { operatorValidation } from './validation.js';
import * as notices from './notices.js';
import * as soutien from './soutien.js';

export type Command = (config: ReturnType<typeof loadConfig>, argv: string[], out: Out) => Promise<void>;

export const COMMANDS: Record<string, Command> = {
  migrate: migrateCmd,
  'operator add': operatorAdd,
  'prestation add': prestationAdd,
  'cert issue': certs.certIssue,
  'cert sign': certs.certSign,
  'cert register': certs.certRegister,
  'cert revoke': certs.certRevoke,
  'cert list': certs.certList,
  'cert due': certs.certDue,
  'cert renew': certs.certRenew,
  'cert sweep': certs.certSweep,
  'ca init': certs.caInit,
  'ca approve': certs.caApprove,
  'ca unapprove': certs.caUnapprove,
  'ca list': certs.caList,
  'ca crl': certs.caCrl,
  'ca rotate': certs.caRotate,
  'ca reissue': certs.caReissue,
  'ca retire': certs.caRetire,
  'server-cert rotate': certs.serverCertRotate,
  'operator suspend': certs.operatorSuspend,
  'operator resume': certs.operatorResume,
  'operator validation': operatorValidation,
  audit: certs.auditCmd,
  'ticket advance': ticketAdvance,
  'ticket comment': ticketComment,
  'planning technician add': technicianAdd,
  'planning day-off': dayOff,
  'planning load': planningLoad,
  'planning list': planningList,
  'travaux create': travauxCreate,
  'travaux update': travauxUpdate,
  'travaux close': travauxClose,
  'travaux list': travauxList,
  'travaux impacted': travauxImpacted,
  'offer tests': offerTests,
  'offer test-required': offerTestRequired,
  volumetry: volumetryCmd,
  stats: statsCmd,
  'version publish': lifecycle.versionPublish,
  'version retire': lifecycle.versionRetire,
  'version list': lifecycle.versionList,
  'catalogue publish': lifecycle.cataloguePublish,
  'catalogue retire': lifecycle.catalogueRetire,
  'catalogue list': lifecycle.catalogueList,
  'catalogue render': catalogueRender,
  'maintenance add': lifecycle.maintenanceAdd,
  'maintenance list': lifecycle.maintenanceList,
  'maintenance cancel': lifecycle.maintenanceCancel,
  'ratelimit set': lifecycle.ratelimitSet,
  'ratelimit list': lifecycle.ratelimitList,
  'operator contact': notices.operatorContact,
  'operator contacts': notices.operatorContacts,
  'outbox list': notices.outboxList,
  'outbox retry': notices.outboxRetry,
  'outbox flush': notices.outboxFlush,
  'soutien list': soutien.soutienList,
  'soutien show': soutien.soutienShow,
  'soutien comment': soutien.soutienComment,
  'soutien close': soutien.soutienClose,
};
