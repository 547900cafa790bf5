import { slowClientsSuite } from './slowClientsSuite.js';

// Issue #8 on a gateway fed by the port's dispatcher: every process of esav serve with ESAV_WORKERS > 1.
slowClientsSuite(true);
