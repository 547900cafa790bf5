import { slowClientsSuite } from './slowClientsSuite.js';

// Issue #8 on a gateway that listens itself (ESAV_WORKERS=1, and the in-process tests).
slowClientsSuite(false);
