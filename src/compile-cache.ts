import nodeModule from 'node:module';

/**
 * Imported first by the process entry: on Node 22.1+ V8 keeps the compiled code of every module loaded after
 * this in a cache on disk (the OS temp folder), so a restart skips most of the compiling that dominates start-up
 * (botbuilder alone is about a second of CPU). Node 20 has no such cache: nothing happens there.
 */
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
