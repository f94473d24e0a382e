/**
 * Misuse: every bad input gets a HeapError with the right code and a message
 * naming the bad value, and the heap keeps working afterwards (blocks that were
 * live before keep their contents). The suite is test/helpers/misuse.ts; the
 * S57 lane runs it too (test/lanes/s57.test.ts).
 */
import * as lib from '../../src/index.ts';
import { misuseSuite } from '../helpers/misuse.ts';

misuseSuite(lib, { name: 'scale', mediumInterior: 'EDOUBLE_FREE' });
