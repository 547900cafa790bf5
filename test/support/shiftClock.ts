/**
 * Preloaded (`node --import`) into a gateway a test spawns, to move its clock by
 * ESAV_TEST_CLOCK_SHIFT_MS: a test that must search slots uses it to stay out of the 01:00-04:00
 * Paris search blackout when the suite happens to run then. Test support only: the gateway
 * itself has no such setting.
 */
const shift = Number(process.env.ESAV_TEST_CLOCK_SHIFT_MS ?? 0);
if (shift !== 0) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + shift);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return RealDate.now() + shift;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
export {};
