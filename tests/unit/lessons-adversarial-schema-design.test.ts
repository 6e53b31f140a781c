// The schema-design chapter's answers that nobody on the lesson side wrote (tests/support/adversarial.ts).
import { adversarialSuite } from '../support/adversarial.ts';
import corpus from '../fixtures/adversarial/schema-design.ts';

adversarialSuite('schema-design', corpus);
