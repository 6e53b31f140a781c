// The alembic chapter's answers that nobody on the lesson side wrote (tests/support/adversarial.ts).
import { adversarialSuite } from '../support/adversarial.ts';
import corpus from '../fixtures/adversarial/alembic.ts';

adversarialSuite('alembic', corpus);
