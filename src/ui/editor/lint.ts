// The parts of @codemirror/lint the error mark uses, as one small chunk (see error-mark.ts).
export { diagnosticCount, lintKeymap, openLintPanel, setDiagnostics } from '@codemirror/lint';
