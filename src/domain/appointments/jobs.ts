import type { JobDefinition } from '../../jobs/boss.js';
import type { Logger } from '../../log.js';
import type { AppointmentService } from './service.js';

/**
 * Appointments still CREE are cancelled in the night following their reservation: every night
 * at 00:05 Paris time (pg-boss runs a cron tick once across all gateway processes; the purge is
 * idempotent anyway).
 */
export function appointmentPurgeJob(appointments: AppointmentService, log: Logger): JobDefinition {
  return {
    name: 'appointments-night-purge',
    cron: '5 0 * * *',
    async handler() {
      const r = await appointments.purge();
      log.info({ cancelled: r.cancelled.length, confirmed: r.confirmed.length }, 'appointments night purge');
    },
  };
}
