// Builds the workbench page into src/main/resources/webroot (committed: a plain `mvn package` then
// needs no Node). `--check` builds into a temporary folder and fails if the committed files differ
// (mvn verify runs it, so a change to the source without a rebuild cannot land).
// Output: index.html, assets/<name>-<hash>.{js,css} (the hash is the content's, so the server lets
// browsers cache them for good) and manifest.json (the list the server loads).
import * as esbuild from 'esbuild';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webroot = path.resolve(here, '../resources/webroot');
const check = process.argv.includes('--check');

async function build(out) {
  await rm(out, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(here, 'src/main.js'), style: path.join(here, 'src/style.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]-[hash]',
    // The 3D view (three.js, most of the bytes) is a chunk of its own, loaded when the Canvas first shows.
    splitting: true,
    chunkNames: '[name]-[hash]',
    outdir: path.join(out, 'assets'),
    // The client library's one dependency resolves from here, whether or not clients/js has its own.
    nodePaths: [path.join(here, 'node_modules')],
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => path.relative(out, path.resolve(p)));
  const js = path.relative(out, path.resolve(Object.entries(result.metafile.outputs)
    .find(([, o]) => o.entryPoint?.endsWith('src/main.js'))[0]));
  const css = outputs.find((p) => p.endsWith('.css'));
  const template = await readFile(path.join(here, 'index.html'), 'utf8');
  await writeFile(path.join(out, 'index.html'), template.replace('%APP%', `/${js}`).replace('%STYLE%', `/${css}`));
  const manifest = { index: 'index.html', assets: outputs.sort() };
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function files(dir) {
  const found = new Map();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath ?? entry.path, entry.name);
      found.set(path.relative(dir, full), await readFile(full));
    }
  }
  return found;
}

if (check) {
  const tmp = await mkdtemp(path.join(tmpdir(), 'workbench-'));
  try {
    await build(tmp);
    const fresh = await files(tmp);
    const committed = await files(webroot).catch(() => new Map());
    const differ = [...new Set([...fresh.keys(), ...committed.keys()])]
      .filter((f) => !fresh.has(f) || !committed.has(f) || !fresh.get(f).equals(committed.get(f)));
    if (differ.length) {
      console.error(`The committed workbench bundle (src/main/resources/webroot) is not what src/main/web builds:`
        + ` ${differ.join(', ')}.\nRun 'npm run build' in src/main/web and commit the result.`);
      process.exit(1);
    }
    console.log(`workbench bundle up to date (${fresh.size} files)`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
} else {
  await mkdir(webroot, { recursive: true });
  await build(webroot);
  console.log(`built ${webroot}`);
}
