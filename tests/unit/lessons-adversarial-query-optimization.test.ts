// The query-optimization chapter's answers that nobody on the lesson side wrote (tests/support/adversarial.ts).
import { adversarialSuite } from '../support/adversarial.ts';
import corpus from '../fixtures/adversarial/query-optimization.ts';

adversarialSuite('query-optimization', corpus);
