#!/usr/bin/env node
// Scores every model listed in models.json with onnxruntime (the npm package
// onnxruntime-node, CPU execution provider) and writes <model>.expected.csv:
// one column per element of each tensor output, in graph output order
// ("<output>" for a [N] or [N,1] tensor, "<output>_<j>" for [N,k]); outputs
// that are not tensors (ZipMap's sequence of maps) are skipped. Floats are
// written as the shortest text that reads back as the same float32 value,
// int64 labels as integers, strings as they are.
//
// Inputs are float32 tensors, or string tensors where models.json says
// "type": "string".
//
// Usage: node run_oracle.js <model_dir> <out_dir> [node_modules_dir]
'use strict';
const fs = require('fs');
const path = require('path');

const [modelDir, outDir, modulesDir] = process.argv.slice(2);
if (!modelDir || !outDir) {
  console.error('usage: node run_oracle.js <model_dir> <out_dir> [node_modules_dir]');
  process.exit(2);
}
const ort = require(modulesDir ? path.join(path.resolve(modulesDir), 'onnxruntime-node') : 'onnxruntime-node');

function readCsv(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((line) => line.split(','));
  return { header, rows };
}

function cell(value) {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  if (Number.isNaN(value)) return '';
  return String(value);
}

async function scoreModel(name, spec) {
  const { header, rows } = readCsv(path.join(modelDir, spec.data));
  const feeds = {};
  for (const input of spec.inputs) {
    const indices = input.columns.map((column) => {
      const i = header.indexOf(column);
      if (i < 0) throw new Error(`${spec.data}: no column ${column}`);
      return i;
    });
    // A string input gets the cell as it is ('' when empty); a float input
    // the number (NaN when empty), rounded to float32.
    const strings = input.type === 'string';
    const data = strings ? new Array(rows.length * indices.length) : new Float32Array(rows.length * indices.length);
    rows.forEach((row, r) => indices.forEach((i, j) => {
      const cell = row[i] === undefined ? '' : row[i];
      data[r * indices.length + j] = strings ? cell : (cell === '' ? NaN : Number(cell));
    }));
    feeds[input.name] = new ort.Tensor(strings ? 'string' : 'float32', data, [rows.length, indices.length]);
  }
  const session = await ort.InferenceSession.create(path.join(modelDir, spec.model),
                                                    { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const tensorOutputs = [];
  for (let i = 0; i < session.outputNames.length; ++i) {
    const meta = session.outputMetadata ? session.outputMetadata[i] : undefined;
    if (meta && meta.isTensor === false) continue;
    tensorOutputs.push(session.outputNames[i]);
  }
  const results = await session.run(feeds, tensorOutputs);
  const columns = [];
  const names = [];
  for (const output of tensorOutputs) {
    const tensor = results[output];
    const width = tensor.dims.length <= 1 ? 1 : tensor.dims.slice(1).reduce((a, b) => a * b, 1);
    for (let j = 0; j < width; ++j) {
      names.push(width === 1 ? output : `${output}_${j}`);
      columns.push((r) => tensor.data[r * width + j]);
    }
  }
  const out = [names.join(',')];
  for (let r = 0; r < rows.length; ++r) out.push(columns.map((column) => cell(column(r))).join(','));
  fs.writeFileSync(path.join(outDir, `${name}.expected.csv`), out.join('\n') + '\n');
  console.log(`${name}: ${rows.length} rows, outputs ${tensorOutputs.join(', ')}`);
}

async function main() {
  const models = JSON.parse(fs.readFileSync(path.join(modelDir, 'models.json'), 'utf8'));
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of Object.keys(models).sort()) await scoreModel(name, models[name]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
