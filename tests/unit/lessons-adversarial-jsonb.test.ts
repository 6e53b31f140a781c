// The jsonb chapter's answers that nobody on the lesson side wrote (tests/support/adversarial.ts).
import { adversarialSuite } from '../support/adversarial.ts';
import corpus from '../fixtures/adversarial/jsonb.ts';

adversarialSuite('jsonb', corpus);
