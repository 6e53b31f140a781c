// Export to Alembic: revision files (Python) and a whole project (`init-alembic`), and plain SQL.
// The SQL of each revision goes through op.execute; statements that cannot run in a transaction
// go in `op.get_context().autocommit_block()`, as pglab runs them. Works with Alembic 1.8+
// (Debian 12's 1.8.1 with SQLAlchemy 1.4 is tested) and SQLAlchemy 1.4 / 2.0.
import { RevisionGraph } from '../graph.ts';
import type { Revision } from '../revision.ts';
import { parseMigration, type MigrationStatement } from '../statements.ts';

/** A Python string literal (JSON's escapes are Python's too). */
const py = (s: string) => JSON.stringify(s);

/** text() reads `:name` as a bind parameter; `\:` is its escape for a literal colon. */
const forText = (sql: string) => sql.replace(/:/g, '\\:');

function pyIds(ids: string[] | undefined): string {
  if (!ids || ids.length === 0) return 'None';
  if (ids.length === 1) return py(ids[0]);
  return `(${ids.map(py).join(', ')})`;
}

async function body(sql: string, indent = '    '): Promise<string> {
  const statements = await parseMigration(sql);
  if (!statements.length) return `${indent}pass\n`;
  const lines: string[] = [];
  let group: MigrationStatement[] = [];
  let auto = false;
  const flush = () => {
    if (!group.length) return;
    const inner = auto ? `${indent}    ` : indent;
    if (auto) lines.push(`${indent}# ${[...new Set(group.map((s) => s.autocommit))].join('; ')}: cannot run inside a transaction`, `${indent}with op.get_context().autocommit_block():`);
    for (const s of group) lines.push(`${inner}op.execute(${py(forText(s.text))})`);
    group = [];
  };
  for (const s of statements) {
    if (!!s.autocommit !== auto) {
      flush();
      auto = !!s.autocommit;
    }
    group.push(s);
  }
  flush();
  return lines.join('\n') + '\n';
}

const slug = (message: string) => message.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) || 'revision';

export const revisionFileName = (r: Revision) => `${r.id}_${slug(r.message)}.py`;

/** One revision as an Alembic revision file. */
export async function alembicRevisionFile(r: Revision): Promise<string> {
  const created = new Date(r.createdAt);
  const date = `${created.toISOString().slice(0, 10)} ${created.toISOString().slice(11, 23)}000`;
  return `"""${r.message.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"')}

Revision ID: ${r.id}
Revises: ${r.downRevision.join(', ')}
Create Date: ${date}

Exported from pglab.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = ${py(r.id)}
down_revision = ${pyIds(r.downRevision)}
branch_labels = ${pyIds(r.branchLabels)}
depends_on = ${pyIds(r.dependsOn)}


def upgrade() -> None:
${await body(r.upgrade)}

def downgrade() -> None:
${await body(r.downgrade)}`;
}

/** Every revision in order as one SQL script, with the alembic_version bookkeeping Alembic's --sql mode writes. */
export function plainSql(revisions: Revision[]): string {
  const g = new RevisionGraph(revisions);
  const parts = ['-- Exported from pglab: every revision in order, upgrade direction.', 'CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));', ''];
  for (const r of g.ordered) {
    parts.push(`-- Revision ${r.id}: ${r.message.replace(/\n/g, ' ')} (follows ${r.downRevision.join(', ') || 'base'})`);
    parts.push(r.upgrade.trim() || '-- (no statements)');
    const lit = (s: string) => `'${s}'`;
    parts.push(r.downRevision.length ? `DELETE FROM alembic_version WHERE version_num IN (${r.downRevision.map(lit).join(', ')});` : '');
    parts.push(`INSERT INTO alembic_version (version_num) VALUES (${lit(r.id)});`, '');
  }
  return parts.filter((p, i, a) => p !== '' || a[i - 1] !== '').join('\n');
}

export interface AlembicProjectOptions {
  /** A Python file with the SQLAlchemy models (e.g. app/models.py): env.py loads its metadata for autogenerate. */
  modelsPath?: string;
  /** lock_timeout every migration runs with (env ALEMBIC_LOCK_TIMEOUT overrides). Default 5s. */
  lockTimeout?: string;
  /** statement_timeout every migration runs with (env ALEMBIC_STATEMENT_TIMEOUT overrides). Default 30s. */
  statementTimeout?: string;
}

const NAMING = `{
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}`;

const ALEMBIC_INI = `# Alembic configuration, written by pglab init-alembic.
# The database URL is not kept here: env.py reads it from DATABASE_URL.
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
file_template = %%(rev)s_%%(slug)s
truncate_slug_length = 40
version_path_separator = os

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

function envPy(o: AlembicProjectOptions): string {
  return `"""Alembic environment, written by pglab init-alembic.

- The database comes from the DATABASE_URL environment variable (never from alembic.ini).
- Every migration runs with a lock_timeout (ALEMBIC_LOCK_TIMEOUT, default ${o.lockTimeout ?? '5s'}), so a
  migration waiting for a lock fails fast instead of queueing every query behind it.
- And with a statement_timeout (ALEMBIC_STATEMENT_TIMEOUT, default ${o.statementTimeout ?? '30s'}): once the lock is
  granted, a statement that turns out slow fails and rolls back instead of holding it. A revision with a
  long CONCURRENTLY build raises it just before (op.execute("SET statement_timeout = 0")).
- Each revision runs in its own transaction (transaction_per_migration), as pglab runs them.
- autogenerate compares column types and server defaults (compare_type, compare_server_default).
"""
import importlib.util
import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import MetaData, create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# Constraint names follow this convention, so autogenerate and downgrades can name what they drop.
NAMING_CONVENTION = ${NAMING}

MODELS_PATH = ${o.modelsPath ? py(o.modelsPath) : 'None'}


def load_metadata():
    """The models' MetaData for autogenerate, or an empty one with the naming convention."""
    if not MODELS_PATH:
        return MetaData(naming_convention=NAMING_CONVENTION)
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), MODELS_PATH)
    spec = importlib.util.spec_from_file_location("pglab_models", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load the models from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metadata = getattr(module, "metadata", None) or getattr(getattr(module, "Base", None), "metadata", None)
    if metadata is None:
        sys.exit(f"{path} has neither 'metadata' nor 'Base.metadata'")
    return metadata


target_metadata = load_metadata()
LOCK_TIMEOUT = os.environ.get("ALEMBIC_LOCK_TIMEOUT", ${py(o.lockTimeout ?? '5s')})
STATEMENT_TIMEOUT = os.environ.get("ALEMBIC_STATEMENT_TIMEOUT", ${py(o.statementTimeout ?? '30s')})


def database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set, e.g. export DATABASE_URL=postgresql://user:password@localhost:5432/app")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def run_migrations_offline():
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        context.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'")
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(
        database_url(),
        poolclass=pool.NullPool,
        connect_args={"options": f"-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT}"},
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            compare_server_default=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
`;
}

const SCRIPT_MAKO = `"""\${message}

Revision ID: \${up_revision}
Revises: \${down_revision | comma,n}
Create Date: \${create_date}

"""
from alembic import op
import sqlalchemy as sa
\${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = \${repr(up_revision)}
down_revision = \${repr(down_revision)}
branch_labels = \${repr(branch_labels)}
depends_on = \${repr(depends_on)}

# Name constraints you create by hand the way env.py's metadata names them:
# op.create_foreign_key(op.f("fk_orders_customer_id_customers"), ...)
NAMING_CONVENTION = ${NAMING.replace(/%/g, '%')}


def upgrade() -> None:
    \${upgrades if upgrades else "pass"}


def downgrade() -> None:
    \${downgrades if downgrades else "pass"}
`;

function readme(o: AlembicProjectOptions, revisions: Revision[]): string {
  return `# Database migrations (Alembic)

Written by \`pglab init-alembic\`${revisions.length ? ` with ${revisions.length} revision${revisions.length === 1 ? '' : 's'} from pglab` : ''}.

Install Alembic, SQLAlchemy and a PostgreSQL driver (\`pip install alembic sqlalchemy psycopg2-binary\`,
or on Debian \`apt-get install python3-alembic python3-sqlalchemy python3-psycopg2\`), then:

\`\`\`sh
export DATABASE_URL=postgresql://user:password@localhost:5432/app
alembic upgrade head          # apply every revision
alembic current               # the revision the database is at
alembic history               # the revisions, newest first
alembic downgrade -1          # revert the last one
alembic revision -m "add orders.status"                 # a new, empty revision to write by hand
alembic revision --autogenerate -m "sync with models"   # from the models${o.modelsPath ? ` (${o.modelsPath})` : ' (set MODELS_PATH in migrations/env.py)'}
\`\`\`

- \`alembic.ini\` holds no password: \`migrations/env.py\` reads \`DATABASE_URL\`.
- Every migration runs with \`lock_timeout\` (\`ALEMBIC_LOCK_TIMEOUT\`, default ${o.lockTimeout ?? '5s'}): if a lock is not
  granted in time the migration fails instead of blocking the application; retry it later.
- And with \`statement_timeout\` (\`ALEMBIC_STATEMENT_TIMEOUT\`, default ${o.statementTimeout ?? '30s'}): a statement that holds its
  lock longer is stopped and rolled back. Raise it inside a revision that builds a big index \`CONCURRENTLY\`.
- Each revision runs in its own transaction. Statements that cannot (\`CREATE INDEX CONCURRENTLY\`) are inside
  \`op.get_context().autocommit_block()\`.
- autogenerate compares types and server defaults, but it still cannot see renames (it drops and adds),
  enum value changes, or check constraints: read every generated revision before running it.
- The database's \`alembic_version\` table records the applied revision; pglab keeps it the same way, so a
  database migrated in pglab and one migrated here agree.
`;
}

/** The files of an Alembic project: path → content. */
export async function alembicProject(revisions: Revision[], o: AlembicProjectOptions = {}): Promise<Map<string, string>> {
  const g = new RevisionGraph(revisions);
  const files = new Map<string, string>();
  files.set('alembic.ini', ALEMBIC_INI);
  files.set('migrations/env.py', envPy(o));
  files.set('migrations/script.py.mako', SCRIPT_MAKO);
  files.set('migrations/versions/.gitkeep', '');
  for (const r of g.ordered) files.set(`migrations/versions/${revisionFileName(r)}`, await alembicRevisionFile(r));
  files.set('README.md', readme(o, revisions));
  return files;
}
