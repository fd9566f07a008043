// The build context honours .dockerignore the way `docker build` does; checked on real files.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extract } from 'tar-stream';
import { listBuildContext, packBuildContext, tarMode } from '../../src/docker/context';

function write(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

async function untar(
  stream: NodeJS.ReadableStream,
): Promise<Map<string, { type: string; content: string; linkname?: string }>> {
  const entries = new Map<string, { type: string; content: string; linkname?: string }>();
  const reader = extract();
  reader.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    body.on('end', () => {
      entries.set(header.name, {
        type: header.type ?? 'file',
        content: Buffer.concat(chunks).toString('utf8'),
        linkname: header.linkname ?? undefined,
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve);
    reader.on('error', reject);
    stream.on('error', reject);
    stream.pipe(reader);
  });
  return entries;
}

suite('build context', () => {
  let root: string;

  setup(() => {
    root = mkdtempSync(join(tmpdir(), 'context-'));
  });

  teardown(() => rmSync(root, { recursive: true, force: true }));

  test('.dockerignore patterns, exceptions and always-sent files, as docker build applies them', async () => {
    write(root, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore':
        '# build output\nnode_modules\n*.log\n!keep.log\ndata/**\n!data/keep/**\nsecret/\nDockerfile\n.dockerignore\n',
      'main.py': 'print(1)\n',
      'a.log': 'x',
      'keep.log': 'kept',
      'sub/b.log': 'only top-level *.log is excluded',
      'node_modules/pkg/index.js': 'x',
      'data/big.bin': 'x',
      'data/keep/small.txt': 'kept',
      'secret/key.pem': 'x',
    });
    const context = await listBuildContext(root, join(root, 'Dockerfile'));
    const names = context.entries.map((entry) => entry.name);
    assert.deepEqual(names.filter((name) => context.entries.find((e) => e.name === name)?.type === 'file').sort(), [
      '.dockerignore',
      'Dockerfile',
      'data/keep/small.txt',
      'keep.log',
      'main.py',
      'sub/b.log',
    ]);
    for (const gone of ['node_modules', 'secret', 'data/big.bin', 'a.log']) assert.ok(!names.includes(gone), gone);
    assert.equal(context.dockerfile, 'Dockerfile');
    assert.equal(context.files, 6);
    assert.ok(context.excluded >= 4);

    const tar = await untar(packBuildContext(context));
    assert.equal(tar.get('main.py')?.content, 'print(1)\n');
    assert.equal(tar.get('data/keep/small.txt')?.content, 'kept');
    assert.ok(!tar.has('a.log') && !tar.has('node_modules/pkg/index.js') && !tar.has('secret/key.pem'));
  });

  test('no .dockerignore sends everything; symbolic links stay links', async () => {
    write(root, { Dockerfile: 'FROM scratch\n', 'app/x.txt': 'x' });
    symlinkSync('app/x.txt', join(root, 'link'));
    const context = await listBuildContext(root, join(root, 'Dockerfile'));
    const tar = await untar(packBuildContext(context));
    assert.deepEqual([...tar.keys()].sort(), ['Dockerfile', 'app', 'app/x.txt', 'link']);
    assert.equal(tar.get('link')?.type, 'symlink');
    assert.equal(tar.get('link')?.linkname, 'app/x.txt');
    assert.equal(context.excluded, 0);
  });

  test('a Dockerfile outside the context is sent under its own name', async () => {
    write(root, { 'docker/Dockerfile.gpu': 'FROM scratch\n', 'src/x.txt': 'x' });
    const context = await listBuildContext(join(root, 'src'), join(root, 'docker', 'Dockerfile.gpu'));
    assert.equal(context.dockerfile, '.batch-runner.Dockerfile');
    const tar = await untar(packBuildContext(context));
    assert.equal(tar.get('.batch-runner.Dockerfile')?.content, 'FROM scratch\n');
    assert.ok(tar.has('x.txt'));
  });

  test("the extension's own folder (Run Locally's runs) is never sent, even without a .dockerignore", async () => {
    write(root, {
      Dockerfile: 'FROM scratch\n',
      'app/x.txt': 'x',
      '.batch-runner/.gitignore': '*\n',
      '.batch-runner/runs/r1/results.jsonl': '{}\n',
      'app/.batch-runner/kept.txt': "only the top-level folder is the extension's",
    });
    const context = await listBuildContext(root, join(root, 'Dockerfile'), ['.batch-runner']);
    const tar = await untar(packBuildContext(context));
    assert.deepEqual([...tar.keys()].sort(), [
      'Dockerfile',
      'app',
      'app/.batch-runner',
      'app/.batch-runner/kept.txt',
      'app/x.txt',
    ]);
    assert.equal(context.excluded, 0, 'not counted as excluded by .dockerignore');
  });
});

suite('build context modes', () => {
  test('a context made on Windows keeps scripts executable (rwxr-xr-x, as the docker CLI there)', () => {
    assert.equal(tarMode({ mode: 0o100666, type: 'file' }, 'win32'), 0o755);
    assert.equal(tarMode({ mode: 0o40666, type: 'directory' }, 'win32'), 0o755);
    assert.equal(tarMode({ mode: 0o100644, type: 'file' }, 'linux'), 0o644);
    assert.equal(tarMode({ mode: 0o100755, type: 'file' }, 'darwin'), 0o755);
  });
});
