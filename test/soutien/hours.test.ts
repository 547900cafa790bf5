import { describe, expect, it } from '@jest/globals';
import { handlingFrom, handlingSentence } from '../../src/domain/soutien/hours.js';
import { newSoutienReference, normaliseSoutienReference } from '../../src/domain/soutien/reference.js';
import { parisTime } from '../../src/calendar/index.js';

// e-soutien handling hours: Monday to Saturday 08:00-18:00 Europe/Paris, except public holidays.
describe('handlingFrom: when the desk looks at a ticket', () => {
  it('within hours: at once; Saturday 17:59 is still within', () => {
    const sat1759 = parisTime('2026-05-16', 17, 59);
    expect(handlingFrom(sat1759)).toEqual(sat1759);
    const mon0800 = parisTime('2026-05-18', 8, 0);
    expect(handlingFrom(mon0800)).toEqual(mon0800);
  });

  it('Saturday 18:00 and Sunday go to Monday 08:00', () => {
    expect(handlingFrom(parisTime('2026-05-16', 18, 0))).toEqual(parisTime('2026-05-18', 8, 0));
    expect(handlingFrom(parisTime('2026-05-17', 11, 0))).toEqual(parisTime('2026-05-18', 8, 0));
  });

  it('before 08:00: the same day at 08:00; after 18:00 on a weekday: the next day', () => {
    expect(handlingFrom(parisTime('2026-05-19', 7, 59))).toEqual(parisTime('2026-05-19', 8, 0));
    expect(handlingFrom(parisTime('2026-05-19', 18, 0))).toEqual(parisTime('2026-05-20', 8, 0));
  });

  it('skips public holidays: Easter Monday, 14 July, Christmas', () => {
    // Saturday 4 April 2026 18:00 -> Sunday, Easter Monday 6th -> Tuesday 7th 08:00
    expect(handlingFrom(parisTime('2026-04-04', 18, 0))).toEqual(parisTime('2026-04-07', 8, 0));
    expect(handlingFrom(parisTime('2026-07-14', 10, 0))).toEqual(parisTime('2026-07-15', 8, 0));
    // Thursday 24 December 2026 19:00 -> Friday 25th is a holiday -> Saturday 26th 08:00 (Saturdays are worked)
    expect(handlingFrom(parisTime('2026-12-24', 19, 0))).toEqual(parisTime('2026-12-26', 8, 0));
  });

  it('DST weekends: Monday 08:00 Paris is 06:00Z in summer, 07:00Z in winter', () => {
    // Spring forward on Sunday 29 March 2026: Saturday 18:00 CET -> Monday 08:00 CEST
    expect(handlingFrom(new Date('2026-03-28T17:00:00Z')).toISOString()).toBe('2026-03-30T06:00:00.000Z');
    // Fall back on Sunday 25 October 2026: Saturday 18:00 CEST -> Monday 08:00 CET
    expect(handlingFrom(new Date('2026-10-24T16:00:00Z')).toISOString()).toBe('2026-10-26T07:00:00.000Z');
    // Saturday 17:59 the day before the change is still within hours, in its own offset
    expect(handlingFrom(new Date('2026-10-24T15:59:00Z')).toISOString()).toBe('2026-10-24T15:59:00.000Z');
  });

  it('the acknowledgement sentence gives the time in Paris words', () => {
    expect(handlingSentence(parisTime('2026-05-16', 18, 0))).toBe(
      'Les demandes sont traitées du lundi au samedi, hors jours fériés, de 8 heures à 18 heures (heure de métropole) : la vôtre sera examinée à partir du lundi 18 mai 2026 à 08:00 (heure de Paris).',
    );
    expect(handlingSentence(parisTime('2026-05-16', 17, 59))).toMatch(/^Votre demande est prise en charge dès maintenant \(samedi 16 mai 2026 à 17:59, heure de Paris\)/);
  });
});

describe('e-soutien references', () => {
  it('ES + year, 6 characters and a check character; typos are caught, case and dashes forgiven', () => {
    const ref = newSoutienReference(new Date('2026-05-16T10:00:00Z'));
    expect(ref).toMatch(/^ES26-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]$/);
    expect(normaliseSoutienReference(ref.toLowerCase().replace(/-/g, ''))).toBe(ref);
    // a single wrong character is detected
    const body = ref.slice(5, 11);
    const wrong = body[0] === 'A' ? 'B' : 'A';
    expect(normaliseSoutienReference(`ES26-${wrong}${body.slice(1)}-${ref.at(-1)}`)).toBeUndefined();
    expect(normaliseSoutienReference('S26-K7Q4-M9XD-T')).toBeUndefined();
    expect(normaliseSoutienReference('ES26-ABC')).toBeUndefined();
  });
});
