// ajv-validate.js - the node baseline of bench/validate: the same job as
// rl-validate, line by line: parse each line, validate it against the
// schema with ajv (draft 2020-12), write valid lines out, count the rest.
// usage: node ajv-validate.js SCHEMA NODE_MODULES_DIR < records
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require(path.join(process.argv[3], 'ajv/dist/2020')).default;

const ajv = new Ajv2020({strict: false, allErrors: false});
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
const rl = require('readline').createInterface({input: process.stdin, crlfDelay: Infinity});
let bad = 0;

rl.on('line', (line) => {
  let ok = false;
  try { ok = validate(JSON.parse(line)); } catch (e) { ok = false; }
  if (ok) process.stdout.write(line + '\n'); else bad++;
});
rl.on('close', () => {
  if (bad) process.stderr.write(`ajv-validate: ${bad} invalid\n`);
});
