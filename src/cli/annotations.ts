// GitHub Actions workflow commands: the one implementation is src/findings/annotations.ts (findings' -o github uses it
// too); `podnet diff` imports it from here.
export { annotation, escapeData, escapeProperty, type AnnotationLevel, type AnnotationProps } from '../findings/annotations.js';
