// The extension packages into a .vsix that holds the compiled client, the grammar, the language
// configuration and the whole closure of its runtime dependencies, and nothing of the sources,
// tests or build tools.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Extracts every entry of `zipPath` under `into`; returns the entry names. */
function extract(zipPath, into) {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError) return reject(openError);
      const names = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(names));
      zip.on("entry", (entry) => {
        names.push(entry.fileName);
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks = [];
          stream.on("data", (chunk) => chunks.push(chunk));
          stream.on("end", () => {
            const target = join(into, entry.fileName);
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The packages that the compiled client requires (all but `vscode` and its own modules). */
function requiredPackages(outDir) {
  const packages = new Set();
  for (const file of readdirSync(outDir).filter((name) => name.endsWith(".js"))) {
    const source = readFileSync(join(outDir, file), "utf8");
    for (const [, id] of source.matchAll(/require\("([^"]+)"\)/g)) {
      if (id !== "vscode" && !id.startsWith(".")) packages.add(id);
    }
  }
  return [...packages];
}

/** The `package.json` of package `name` as Node finds it from `dir`: in the nearest `node_modules`. */
function findPackage(name, dir) {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, "node_modules", name, "package.json");
    if (existsSync(candidate)) return candidate;
    assert.notEqual(dirname(current), current, `${name} is not installed above ${dir}`);
  }
}

/** The manifests of `ids` required from `file`, and of every dependency of theirs, recursively. */
function resolveClosure(ids, file) {
  const seen = new Set();
  const pending = ids.map((id) => {
    createRequire(file).resolve(id); // the module itself, through the package's exports
    const name = id.startsWith("@") ? id.split("/").slice(0, 2).join("/") : id.split("/")[0];
    return { name, dir: dirname(file) };
  });
  while (pending.length > 0) {
    const { name, dir } = pending.pop();
    const manifestPath = findPackage(name, dir);
    if (seen.has(manifestPath)) continue;
    seen.add(manifestPath);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      pending.push({ name: dependency, dir: dirname(manifestPath) });
    }
  }
  return seen;
}

test("vsce packages the extension with its runtime dependencies", async () => {
  const scratch = mkdtempSync(join(tmpdir(), "faramesh-vsix-"));
  try {
    const vsix = join(scratch, "faramesh-fpl.vsix");
    execFileSync(join(root, "node_modules", ".bin", "vsce"), ["package", "--out", vsix], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const names = await extract(vsix, join(scratch, "vsix"));
    const extension = join(scratch, "vsix", "extension");

    const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));
    assert.equal(manifest.main, "./out/extension.js");
    const fpl = manifest.contributes.languages.find((language) => language.id === "fpl");
    assert.deepEqual(fpl.extensions, [".fpl", ".fms"]);
    assert.deepEqual(fpl.filenames, ["governance.fms"]);
    for (const file of [
      "out/extension.js",
      fpl.configuration,
      manifest.contributes.grammars[0].path,
    ]) {
      assert.ok(names.includes(join("extension", file)), `${file} is packaged`);
    }
    const grammar = JSON.parse(
      readFileSync(join(extension, manifest.contributes.grammars[0].path), "utf8"),
    );
    assert.equal(grammar.scopeName, "source.fpl");

    const required = requiredPackages(join(extension, "out"));
    assert.ok(required.includes("vscode-languageclient/node"), required.join(", "));
    const closure = resolveClosure(required, join(extension, "out", "extension.js"));
    for (const manifestPath of closure) {
      assert.ok(manifestPath.startsWith(extension), `${manifestPath} comes from the .vsix`);
    }

    const unwanted = names.filter((name) =>
      /^extension\/(src|test)\/|node_modules\/(typescript|eslint|@vscode\/vsce)\//.test(name),
    );
    assert.deepEqual(unwanted, [], "sources, tests and build tools stay out");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
