// `pglab lessons verify|pack|grade`: for instructors. Thin: the loader, the pack format, the
// proofs and the grading are src/lessons modules, the same the app and scripts/verify-lessons.ts run.
// Exit status: 0 all good, 1 a proof failed (verify) or a claimed pass does not stand (grade),
// 2 usage, file or load error (every problem as file:line on stderr).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { CliError } from './target.ts';
import type { CliIo } from './main.ts';
import { compiledPglite, idFromDir, readLessonSource } from './lesson-source.ts';

export const LESSONS_USAGE = `Lessons (for instructors; see docs/lesson-packs.md):
  pglab lessons verify DIR|PACK
      Builds each chapter's two copies on PGlite and proves every exercise: the reference passes,
      every listed wrong answer fails what it names, no-op statements change no verdict, a
      hard-coded copy of the reference rows fails, the reference leaves the rest intact.
  pglab lessons pack DIR -o FILE [--id ID] [--title TITLE]
      Writes the chapters of DIR (one chapter folder, or a folder of them) as one lesson pack
      file; id and title come from DIR/pglab-pack.json, the options, or the folder's name.
  pglab lessons grade PROGRESS.json… --pack PACK|DIR [-o text|json]
      A table of who solved what: every pass is checked again by the real checker on PGlite
      (a file edited to claim a pass does not count; exit 1 when a claim does not stand).
`;

const usage = (m: string) => new CliError(m, 'Run pglab lessons --help for usage.');

export async function lessonsMain(argv: string[], io: CliIo): Promise<number> {
  const fail = async (e: CliError) => {
    await io.err(`pglab: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`);
    return 2;
  };
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          output: { type: 'string', short: 'o' },
          pack: { type: 'string' },
          id: { type: 'string' },
          title: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (e) {
      throw usage((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    }
    const { values: v, positionals: [command, ...args] } = parsed;
    if (v.help || !command) {
      await io.out(LESSONS_USAGE);
      return v.help ? 0 : 2;
    }
    if (command === 'verify') {
      if (args.length !== 1) throw usage('lessons verify takes one folder or pack file');
      return await verify(args[0], io);
    }
    if (command === 'pack') {
      if (args.length !== 1) throw usage('lessons pack takes one folder');
      if (!v.output) throw usage('lessons pack needs -o FILE, the pack to write');
      return await pack(args[0], v.output, v, io);
    }
    if (command === 'grade') {
      if (!args.length) throw usage('lessons grade needs progress files (exported from pglab\'s Lessons)');
      if (!v.pack) throw usage('lessons grade needs --pack PACK|DIR: the chapters to grade against');
      const format = v.output ?? 'text';
      if (format !== 'text' && format !== 'json') throw usage(`-o must be text or json, got '${format}'`);
      return await grade(args, v.pack, format, io);
    }
    throw usage(`unknown lessons command '${command}' (expected verify, pack or grade)`);
  } catch (e) {
    if (io.env.PGLAB_DEBUG) await io.err(`${(e as Error).stack ?? e}\n`);
    return fail(e instanceof CliError ? e : new CliError((e as Error).message));
  }
}

async function verify(path: string, io: CliIo): Promise<number> {
  const [{ ChapterSandbox }, { proveWithSandbox }] = await Promise.all([import('../lessons/sandbox.ts'), import('../lessons/proofs.ts')]);
  const source = await readLessonSource(path);
  const wasm = await compiledPglite();
  let passed = 0;
  const problems: string[] = [];
  for (const chapter of source.chapters) {
    await io.out(`== ${chapter.id}: ${chapter.title} (${chapter.exercises.length} exercises)\n`);
    let box;
    try {
      box = await ChapterSandbox.build(chapter, undefined, wasm);
    } catch (e) {
      problems.push(`${chapter.id}/${chapter.datasetFile}: the dataset does not build: ${(e as Error).message}`);
      await io.out(`   ✗ ${problems[problems.length - 1]}\n`);
      continue;
    }
    try {
      for (const ex of chapter.exercises) {
        const file = `${chapter.id}/exercises/${ex.file}`;
        try {
          await proveWithSandbox(box, chapter, ex, (p) => {
            if (p.ok) passed++;
            else problems.push(`${file}: ${p.text}`);
            void io.out(`   ${p.ok ? '✓' : '✗'} ${p.text}\n`);
          });
        } catch (e) {
          problems.push(`${file}: ${(e as Error).message}`);
          await io.out(`   ✗ ${ex.id}: ${(e as Error).message}\n`);
        }
      }
    } finally {
      await box.close();
    }
  }
  for (const p of problems) await io.err(`pglab: ${p}\n`);
  await io.out(`\nlessons: ${passed} passed, ${problems.length} failed\n`);
  return problems.length ? 1 : 0;
}

async function pack(dir: string, out: string, v: { id?: string; title?: string }, io: CliIo): Promise<number> {
  const { writePack } = await import('../lessons/pack.ts');
  const source = await readLessonSource(dir);
  const id = v.id ?? source.manifest?.id ?? idFromDir(dir);
  const title = v.title ?? source.manifest?.title ?? (source.chapters.length === 1 ? source.chapters[0].title : id);
  let bytes: Uint8Array;
  try {
    bytes = writePack({ id, title, ...(source.manifest?.description ? { description: source.manifest.description } : {}) }, source.files);
  } catch (e) {
    const problems = (e as { problems?: { file: string; message: string }[] }).problems;
    throw new CliError(problems ? problems.map((p) => `${p.file}: ${p.message}`).join('\n') : (e as Error).message);
  }
  writeFileSync(out, bytes);
  const exercises = source.chapters.reduce((n, c) => n + c.exercises.length, 0);
  await io.out(`wrote ${out}: pack "${id}" (${title}), ${source.chapters.length} chapter${source.chapters.length === 1 ? '' : 's'}, ${exercises} exercises, ${bytes.length} bytes\n`);
  await io.out('Verify it before handing it out: pglab lessons verify ' + basename(out) + '\n');
  return 0;
}

async function grade(files: string[], packPath: string, format: 'text' | 'json', io: CliIo): Promise<number> {
  const [{ ChapterSandbox }, { checkExercise }, { gradeProgress, gradeText, refusedClaim }] = await Promise.all([
    import('../lessons/sandbox.ts'), import('../lessons/checker.ts'), import('../lessons/grade.ts'),
  ]);
  const source = await readLessonSource(packPath);
  const inputs = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${f}: ${(e as Error).message}`);
    }
    inputs.push({ file: f, text });
  }
  const wasm = await compiledPglite();
  const boxes: { close(): Promise<void> }[] = [];
  let table;
  try {
    table = await gradeProgress(source.chapters, source.manifest ? { id: source.manifest.id, hash: source.hash } : null, inputs, async (chapter) => {
      const box = await ChapterSandbox.build(chapter, undefined, wasm);
      boxes.push(box);
      return (ex, sql) => checkExercise(box, ex, sql);
    });
  } finally {
    for (const b of boxes) await b.close();
  }
  await io.out(format === 'json' ? JSON.stringify(table, null, 2) + '\n' : gradeText(table));
  const refused = table.rows.filter((r) => r.refused);
  for (const r of refused) await io.err(`pglab: ${r.file}: refused: ${r.refused}\n`);
  if (refused.length) return 2;
  return table.rows.some((r) => Object.values(r.cells).some((c) => refusedClaim(c.status))) ? 1 : 0;
}
