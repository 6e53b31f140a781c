// The full-text-search chapter's answers that nobody on the lesson side wrote (tests/support/adversarial.ts).
import { adversarialSuite } from '../support/adversarial.ts';
import corpus from '../fixtures/adversarial/full-text-search.ts';

adversarialSuite('full-text-search', corpus);
