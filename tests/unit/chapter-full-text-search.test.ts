// The full-text search chapter's checks accept right answers written differently from the
// reference and refuse wrong ones nobody listed, on the chapter's real dataset in PGlite.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadLessons } from '../../src/lessons/loader.ts';
import { checkExercise } from '../../src/lessons/checker.ts';
import { ChapterSandbox } from '../../src/lessons/sandbox.ts';
import { sharedSandbox } from '../../scripts/chapter-builds.ts';
import { compiledPglite } from '../../src/cli/lesson-source.ts';
import { readLessonFiles } from '../../scripts/verify-lessons.ts';
import type { Chapter, CheckReport } from '../../src/lessons/format.ts';

let chapter: Chapter;
let box: ChapterSandbox;

beforeAll(async () => {
  chapter = loadLessons(readLessonFiles()).find((c) => c.id === 'full-text-search')!;
  box = await sharedSandbox(chapter, undefined, await compiledPglite());
}, 600_000);
afterAll(async () => { await box?.close?.(); });

const check = async (slug: string, sql: string): Promise<CheckReport> => {
  const ex = chapter.exercises.find((e) => e.id.endsWith(slug));
  if (!ex) throw new Error(`no exercise ${slug}`);
  return checkExercise(box, ex, sql);
};
const why = (r: CheckReport) => r.error?.message ?? r.checks.filter((c) => !c.passed).map((c) => c.message).join(' | ');

const RIGHT: Record<string, string[]> = {
  stemming: [
    `select a.id from articles a where a.search @@ plainto_tsquery('english', 'connection') and a.lang = 'en'`,
    `select id from articles where lang = 'en' and search @@ to_tsquery('english', 'Connecting') order by id`,
    `select id from articles where search @@ websearch_to_tsquery('english', 'connected') and lang = 'en'`,
  ],
  'user-input': [
    `select id from articles where lang = 'en' and search @@ websearch_to_tsquery('english', 'reset the passwords')`,
    `select a.id from articles a, plainto_tsquery('english', 'reset the passwords') as q where a.lang = 'en' and q @@ a.search`,
    `select id from articles where search @@ plainto_tsquery('english', 'passwords reset') and lang = 'en'`,
  ],
  websearch: [
    `select id from articles where lang = 'en' and search @@ to_tsquery('english', 'card <-> payment & refund & !cancelled')`,
    `select id from articles where lang = 'en' and search @@ websearch_to_tsquery('english', 'refund -cancelled "card payment"')`,
    `select id from articles where lang = 'en' and search @@ phraseto_tsquery('english', 'card payment')
       and search @@ to_tsquery('english', 'refund') and not search @@ to_tsquery('english', 'cancelled')`,
  ],
  'prefix-phrase': [
    `select id from articles where lang = 'en' and search @@ to_tsquery('english', 'ship <-> lab:*')`,
    `select id from articles where lang = 'en' and search @@ (to_tsquery('english', 'shipping') <-> to_tsquery('english', 'lab:*'))`,
    `select id from articles where search @@ to_tsquery('english', 'shipped <-> lab:*') and lang = 'en'`,
  ],
  'generated-column': [
    `alter table tickets add column search tsvector generated always as (
       setweight(to_tsvector(config, coalesce(subject, '')), 'A') || setweight(to_tsvector(config, coalesce(body, '')), 'B')) stored;
     create index on tickets using gin (search)`,
    `alter table tickets add search tsvector generated always as (
       setweight(to_tsvector(config, subject || ''), 'A') || setweight(to_tsvector(config, coalesce(body, '')), 'B')) stored;
     create index tickets_fts on tickets using gin (search)`,
    `alter table tickets add column search tsvector generated always as (
       setweight(to_tsvector(config, subject), 'A') || coalesce(setweight(to_tsvector(config, body), 'B'), ''::tsvector)) stored;
     create index on tickets using gin (search tsvector_ops)`,
  ],
  'config-mismatch': [
    `select id from tickets where lang = 'en' and to_tsvector('english', coalesce(body, '')) @@ plainto_tsquery('english', 'refund')`,
    `select t.id from tickets t where to_tsvector('english'::regconfig, coalesce(t.body, '')) @@ to_tsquery('english', 'refunded') and t.lang = 'en'`,
    `select id from tickets where to_tsvector('english', coalesce(body, '')) @@ websearch_to_tsquery('english', 'refunds') and lang = 'en' order by id`,
  ],
  ranking: [
    `select id, title, ts_rank(search, to_tsquery('english', 'refund')) as rank from articles
       where lang = 'en' and search @@ to_tsquery('english', 'refund') order by 3 desc, 1 limit 10`,
    `select id, title, ts_rank('{0.1, 0.2, 0.4, 1.0}', search, q) as rank
       from articles cross join to_tsquery('english', 'refund') as q
       where search @@ q and lang = 'en' order by rank desc, id fetch first 10 rows only`,
    `with hits as (select id, title, ts_rank(search, plainto_tsquery('english', 'refunds')) as rank from articles
       where lang = 'en' and search @@ plainto_tsquery('english', 'refunds'))
     select id, title, rank from hits order by rank desc, id limit 10`,
  ],
  'normalization-ties': [
    `select id, ts_rank(search, to_tsquery('english', 'refund'), 1) as rank from articles
       where lang = 'en' and search @@ to_tsquery('english', 'refund')
       order by ts_rank(search, to_tsquery('english', 'refund'), 1) desc fetch first 10 rows with ties`,
    `with r as (select id, ts_rank(search, q, 1) as rank from articles, to_tsquery('english', 'refund') q where lang = 'en' and search @@ q)
     select id, rank from r where rank >= (select rank from r order by rank desc offset 9 limit 1) order by rank desc, id`,
    `select id, rank from (select id, ts_rank(search, q, 1) as rank, rank() over (order by ts_rank(search, q, 1) desc) as pos
       from articles, plainto_tsquery('english', 'refund') q where lang = 'en' and search @@ q) t
     where pos <= 10 order by rank desc`,
  ],
  'headline-page': [
    `select id, title, ts_headline('english', body, q) as headline from articles, to_tsquery('english', 'firmware') q
       where lang = 'en' and search @@ q order by ts_rank(search, q) desc, id limit 10`,
    `with page as (select id, title, body, ts_rank(search, q) as rank, q from articles, to_tsquery('english', 'firmware') q
       where lang = 'en' and search @@ q order by rank desc, id limit 10)
     select id, title, ts_headline('english', body, q) as headline from page order by rank desc, id`,
    `select p.id, p.title, ts_headline('english', a.body, to_tsquery('english', 'firmware')) as headline
       from (select id, title, ts_rank(search, to_tsquery('english', 'firmware')) as r from articles
             where lang = 'en' and search @@ to_tsquery('english', 'firmware') order by r desc, id limit 10) p
       join articles a on a.id = p.id order by p.r desc, p.id`,
  ],
  unaccent: [
    `create text search configuration public.fr_unaccent (copy = pg_catalog.french);
     alter text search configuration fr_unaccent alter mapping for word, hword, hword_part, asciiword, asciihword, hword_asciipart with unaccent, french_stem;
     select id from articles where lang = 'fr' and to_tsvector('fr_unaccent', body) @@ plainto_tsquery('fr_unaccent', 'resiliation')`,
    `create text search configuration fr_unaccent (copy = french);
     alter text search configuration fr_unaccent alter mapping for hword, hword_part, word with unaccent, french_stem;
     select id from articles where to_tsvector('fr_unaccent', body) @@ to_tsquery('fr_unaccent', 'résiliation') and lang = 'fr'`,
    `create text search configuration fr_unaccent (copy = french);
     alter text search configuration fr_unaccent alter mapping for hword, hword_part, word with unaccent, french_stem;
     select id from articles where lang = 'fr' and to_tsvector('fr_unaccent', body) @@ websearch_to_tsquery('fr_unaccent', 'Resiliation')`,
  ],
  'trigram-nearest': [
    `create index on products using gist (name gist_trgm_ops);
     select id, name, name <->> 'wirless headphon' as distance from products order by name <->> 'wirless headphon' asc, id asc limit 5`,
    `create index trgm on products using gist (name gist_trgm_ops (siglen = 64));
     select p.id, p.name, p.name <->> 'wirless headphon' as distance from products p order by p.name <->> 'wirless headphon', p.id fetch first 5 rows only`,
    `create extension if not exists pg_trgm;
     create index on products using gist (name gist_trgm_ops);
     select id, name, name <->> 'wirless headphon' as distance from products order by distance, id limit 5`,
    // The same distance written the other way round: the index serves it too.
    `create index on products using gist (name gist_trgm_ops);
     select id, name, 'wirless headphon' <<-> name as distance from products order by 'wirless headphon' <<-> name, id limit 5`,
  ],
};

const WRONG: Record<string, string[]> = {
  // PostgreSQL 18 makes a generated column VIRTUAL unless told STORED, and cannot index it.
  'generated-column': [
    `alter table tickets add search tsvector generated always as (
       setweight(to_tsvector(config, coalesce(subject, '')), 'A') || setweight(to_tsvector(config, coalesce(body, '')), 'B'));
     create index tickets_fts on tickets using gin (search)`,
  ],
  // Ties cut at random: more rows tie with the tenth than fit.
  'normalization-ties': [
    `select id, ts_rank(search, q, 1) as rank from articles, to_tsquery('english', 'refund') q
       where lang = 'en' and search @@ q order by rank desc, id fetch first 10 rows with ties`,
  ],
  // A page computed by id order, then sorted by rank: the right order of the wrong rows.
  ranking: [
    `select * from (select id, title, ts_rank(search, q) as rank from articles, to_tsquery('english', 'refund') q
       where lang = 'en' and search @@ q order by id limit 10) t order by rank desc, id`,
  ],
  // The accent-stripping function, but in the wrong order: stemming first, then unaccent.
  unaccent: [
    `create text search configuration fr_unaccent (copy = french);
     select id from articles where lang = 'fr' and to_tsvector('fr_unaccent', body) @@ to_tsquery('fr_unaccent', 'resiliation')`,
  ],
};

describe('full-text search chapter: right answers written differently pass', () => {
  for (const [slug, answers] of Object.entries(RIGHT)) {
    answers.forEach((sql, i) => {
      it(`${slug} #${i + 1}`, async () => {
        const r = await check(slug, sql);
        expect(r.passed, why(r)).toBe(true);
      }, 300_000);
    });
  }
});

describe('full-text search chapter: wrong answers nobody listed fail', () => {
  for (const [slug, answers] of Object.entries(WRONG)) {
    answers.forEach((sql, i) => {
      it(`${slug} #${i + 1}`, async () => {
        const r = await check(slug, sql);
        expect(r.passed).toBe(false);
      }, 300_000);
    });
  }
});
