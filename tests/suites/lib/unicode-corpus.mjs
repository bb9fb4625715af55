// The Unicode corpus of issue 5 (suites 2 and 3): strings a troll can paste
// into a post or a display name to hide, reorder, disguise or smuggle text on
// the projected wall, and strings that must survive exactly (emoji sequences,
// real-world names and scripts). Shared by
//   tests/suites/unicode.test.mjs        (accepted: stored clean, identical everywhere)
//   tests/suites/hostile-input.test.mjs  (refused: the exact error, nothing stored)
//
// Accepted entries: {name, category, text, expect?, author?, authorExpect?}
//   text    what the citizen sends as the post text
//   expect  the exact text the server must store, worked out by hand from the
//           rules of docs/protocol.md §1 "Text" (absent: only the rules are checked)
//   author / authorExpect  the same for the display name (one line)
// Refused entries: {name, category, refuse, text?, author?, json?, bytes?}
//   refuse  the error code ('text_empty', 'invalid_name', 'text_too_long',
//           'bad_json'), or 1007 (the close code for invalid UTF-8)
//   json    for bad_json: the raw JSON text of the "text" value (escapes as typed)
//   bytes   for 1007: raw bytes placed inside the "text" value of a text frame
//
// Plus `checkClean(text, {singleLine})`: an independent checker of the rules,
// written from the protocol document and the Unicode properties of V8, not
// from the server's code.

const u = (...codePoints) => String.fromCodePoint(...codePoints);

// ---------------------------------------------------------------------------
// Independent checker

export const BIDI_CONTROLS = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c];
const LINE_BREAKS_OTHER_THAN_LF = [0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029];
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

const isPictographic = (cp) => /\p{Extended_Pictographic}/u.test(u(cp));
const isVariationSelector = (cp) => (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x180b && cp <= 0x180d) || cp === 0x180f;
const isEmojiModifier = (cp) => cp >= 0x1f3fb && cp <= 0x1f3ff;
const isTag = (cp) => cp >= 0xe0020 && cp <= 0xe007f;
const isSubdivisionTag = (cp) => (cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a);
const isBlank = (cp) => cp === 0x2800 || /\p{Zs}/u.test(u(cp));
const isDefaultIgnorable = (cp) => /\p{Default_Ignorable_Code_Point}/u.test(u(cp));
const category = (cp) => {
  for (const name of ['Mn', 'Mc', 'Me', 'Zl', 'Zp', 'Cc', 'Cf', 'Cs']) {
    if (new RegExp(`\\p{gc=${name}}`, 'u').test(u(cp))) return name;
  }
  return 'other';
};

// Returns the list of rule violations in `text` ([] when clean).
export function checkClean(text, { singleLine = false } = {}) {
  const problems = [];
  if (typeof text !== 'string') return [`not a string: ${typeof text}`];
  if (text.length === 0) problems.push('empty');
  if (text.normalize('NFC') !== text) problems.push('not NFC');
  // Lone surrogates cannot be stored text (JSON.parse would let them through).
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
      else problems.push(`lone surrogate at ${index}`);
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      problems.push(`lone surrogate at ${index}`);
    }
  }
  const cps = [...text].map((ch) => ch.codePointAt(0));
  const hex = (cp) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < cps.length; i += 1) {
    const cp = cps[i];
    const previous = cps[i - 1];
    const next = cps[i + 1];
    if (cp === 0x0a) {
      if (singleLine) problems.push(`line break at ${i} in a one-line field`);
      continue;
    }
    if (LINE_BREAKS_OTHER_THAN_LF.includes(cp)) problems.push(`line break ${hex(cp)} at ${i} (only LF may remain)`);
    else if (/\p{Cc}/u.test(u(cp))) problems.push(`control ${hex(cp)} at ${i}`);
    if (BIDI_CONTROLS.includes(cp)) problems.push(`bidi control ${hex(cp)} at ${i}`);
    if (cp >= 0xfff9 && cp <= 0xfffb) problems.push(`interlinear annotation ${hex(cp)} at ${i}`);
    if (cp === ZWJ) {
      // Only between two pictographs (the first may carry VS16 or a skin tone).
      let before = i - 1;
      if (before >= 0 && (cps[before] === 0xfe0f || isEmojiModifier(cps[before]))) before -= 1;
      if (!(before >= 0 && isPictographic(cps[before]) && next !== undefined && isPictographic(next))) problems.push(`ZWJ outside an emoji sequence at ${i}`);
    } else if (isVariationSelector(cp)) {
      if (previous === undefined || isBlank(previous) || ['Mn', 'Mc', 'Me', 'Zl', 'Zp', 'Cc', 'Cf', 'Cs'].includes(category(previous))) {
        problems.push(`variation selector ${hex(cp)} without a base at ${i}`);
      }
    } else if (isTag(cp)) {
      // Allowed only inside BLACK FLAG + 3..7 subdivision tags + CANCEL TAG.
      let start = i;
      while (start > 0 && isTag(cps[start - 1])) start -= 1;
      let end = i;
      while (end < cps.length && isTag(cps[end])) end += 1;
      const run = cps.slice(start, end);
      const ok = start > 0 && cps[start - 1] === BLACK_FLAG && run.length >= 4 && run.length <= 8 &&
        run.at(-1) === CANCEL_TAG && run.slice(0, -1).every(isSubdivisionTag);
      if (!ok) problems.push(`tag character ${hex(cp)} outside a subdivision flag at ${i}`);
    } else if (isDefaultIgnorable(cp)) {
      problems.push(`invisible (default-ignorable) ${hex(cp)} at ${i}`);
    }
    if (isBlank(cp)) {
      if (i === 0 || i === cps.length - 1) problems.push(`blank ${hex(cp)} at an end`);
      if (next !== undefined && isBlank(next)) problems.push(`two blanks in a row at ${i}`);
      if (next === 0x0a || previous === 0x0a) problems.push(`blank next to a line break at ${i}`);
    }
  }
  if (cps[0] === 0x0a || cps.at(-1) === 0x0a) problems.push('line break at an end');
  if (text.includes('\n\n\n')) problems.push('more than one blank line in a row');
  return problems;
}

// ---------------------------------------------------------------------------
// Accepted strings

const RLO = u(0x202e), LRO = u(0x202d), RLE = u(0x202b), LRE = u(0x202a), PDF = u(0x202c);
const LRI = u(0x2066), RLI = u(0x2067), FSI = u(0x2068), PDI = u(0x2069);
const LRM = u(0x200e), RLM = u(0x200f), ALM = u(0x061c);
const ZWSP = u(0x200b), ZWNJ = u(0x200c), ZWJ_ = u(0x200d), WJ = u(0x2060), BOM = u(0xfeff);
const tags = (ascii) => [...ascii].map((ch) => u(0xe0000 + ch.charCodeAt(0))).join('');
const flagTags = (id) => u(BLACK_FLAG) + tags(id) + u(CANCEL_TAG);

const FAMILY = '👨‍👩‍👧‍👦';

// Marks as zalgo generators pick them: above, below (and through).
const MARKS_ABOVE = [0x30d, 0x30e, 0x304, 0x305, 0x33f, 0x311, 0x306, 0x310, 0x352, 0x357, 0x351, 0x307, 0x308, 0x30a, 0x342, 0x343,
  0x344, 0x34a, 0x34b, 0x34c, 0x303, 0x302, 0x30c, 0x350, 0x300, 0x301, 0x30b, 0x30f, 0x312, 0x313, 0x314, 0x33d, 0x309, 0x363];
const MARKS_BELOW = [0x316, 0x317, 0x318, 0x319, 0x31c, 0x31d, 0x31e, 0x31f, 0x320, 0x324, 0x325, 0x326, 0x329, 0x32a, 0x32b, 0x32c,
  0x32d, 0x32e, 0x32f, 0x330, 0x331, 0x332, 0x333, 0x339, 0x33a, 0x33b, 0x33c, 0x345, 0x347, 0x348, 0x349, 0x34d, 0x334, 0x336];
function zalgo(word, above, below) {
  return [...word].map((letter, n) => letter +
    Array.from({ length: above }, (_, i) => u(MARKS_ABOVE[(i + n) % MARKS_ABOVE.length])).join('') +
    Array.from({ length: below }, (_, i) => u(MARKS_BELOW[(i + n) % MARKS_BELOW.length])).join('')).join('');
}

export const accepted = [
  // --- bidirectional overrides, embeddings, isolates, marks ---
  { category: 'bidi', name: 'LRE U+202A inside a sentence', text: `Vota ${LRE}sí${PDF} al presupuesto`, expect: 'Vota sí al presupuesto' },
  { category: 'bidi', name: 'RLE U+202B inside a sentence', text: `Vota ${RLE}sí al presupuesto`, expect: 'Vota sí al presupuesto' },
  { category: 'bidi', name: 'PDF U+202C alone', text: `Hola${PDF} vecinos`, expect: 'Hola vecinos' },
  { category: 'bidi', name: 'LRO U+202D', text: `${LRO}Pleno de noviembre`, expect: 'Pleno de noviembre' },
  { category: 'bidi', name: 'RLO U+202E reverses a word ("exe.gnp" trick)', text: `foto_${RLO}gnp.exe`, expect: 'foto_gnp.exe' },
  { category: 'bidi', name: 'LRI U+2066', text: `Calle ${LRI}Real${PDI} cerrada`, expect: 'Calle Real cerrada' },
  { category: 'bidi', name: 'RLI U+2067 never closed', text: `Calle ${RLI}Real cerrada`, expect: 'Calle Real cerrada' },
  { category: 'bidi', name: 'FSI U+2068', text: `Nombre: ${FSI}Jordi${PDI}.`, expect: 'Nombre: Jordi.' },
  { category: 'bidi', name: 'PDI U+2069 alone', text: `Fin${PDI} del punto`, expect: 'Fin del punto' },
  { category: 'bidi', name: 'LRM U+200E', text: `Punto 3${LRM}: movilidad`, expect: 'Punto 3: movilidad' },
  { category: 'bidi', name: 'RLM U+200F', text: `Punto 4${RLM}: biblioteca`, expect: 'Punto 4: biblioteca' },
  { category: 'bidi', name: 'ALM U+061C', text: `Punto 5${ALM}: transporte`, expect: 'Punto 5: transporte' },
  { category: 'bidi', name: 'RLO left open at the end of the text (would flip the next post)', text: `Fin de mi mensaje ${RLO}`, expect: 'Fin de mi mensaje' },
  { category: 'bidi', name: 'RLO wrapping a reversed sentence', text: `${RLO}odnum aloh`, expect: 'odnum aloh' },
  { category: 'bidi', name: 'ten unterminated embeddings', text: `${RLE.repeat(5)}${LRE.repeat(5)}anidado`, expect: 'anidado' },
  { category: 'bidi', name: 'isolates opened and never closed', text: `${RLI}${LRI}${FSI}abiertos`, expect: 'abiertos' },
  { category: 'bidi', name: 'Trojan Source comment trick', text: `/*${RLO} } ${LRI}if (admin)${PDI} ${LRI} begin admins only */`, expect: '/* } if (admin) begin admins only */' },
  { category: 'bidi', name: 'Hebrew with numbers (strong RTL letters are text, kept)', text: 'שלום 123 עולם', expect: 'שלום 123 עולם' },
  { category: 'bidi', name: 'Arabic with ALM between digits', text: `مرحبا ${ALM}١٢٣`, expect: 'مرحبا ١٢٣' },
  { category: 'bidi', name: 'override in the display name', text: 'Mi pregunta', author: `${RLO}aícladlA`, authorExpect: 'aícladlA' },

  // --- zero-width and other invisible characters ---
  { category: 'zero-width', name: 'ZWSP U+200B inside a word', text: `in${ZWSP}sulto`, expect: 'insulto' },
  { category: 'zero-width', name: 'ZWNJ U+200C inside a word', text: `pa${ZWNJ}labra`, expect: 'palabra' },
  { category: 'zero-width', name: 'ZWJ U+200D between letters', text: `pa${ZWJ_}labra`, expect: 'palabra' },
  { category: 'zero-width', name: 'WORD JOINER U+2060', text: `ca${WJ}lle`, expect: 'calle' },
  { category: 'zero-width', name: 'BOM U+FEFF inside the text', text: `pre${BOM}supuesto`, expect: 'presupuesto' },
  { category: 'zero-width', name: 'BOM U+FEFF at the start', text: `${BOM}Buenas tardes`, expect: 'Buenas tardes' },
  { category: 'zero-width', name: 'SOFT HYPHEN U+00AD', text: `presu${u(0xad)}puesto`, expect: 'presupuesto' },
  { category: 'zero-width', name: 'MONGOLIAN VOWEL SEPARATOR U+180E', text: `ab${u(0x180e)}cd`, expect: 'abcd' },
  { category: 'zero-width', name: 'HANGUL FILLER U+3164 (blank-name trick)', text: `hola${u(0x3164)}vecinos`, expect: 'holavecinos' },
  { category: 'zero-width', name: 'HANGUL CHOSEONG FILLER U+115F', text: `x${u(0x115f)}y`, expect: 'xy' },
  { category: 'zero-width', name: 'HALFWIDTH HANGUL FILLER U+FFA0', text: `x${u(0xffa0)}y`, expect: 'xy' },
  { category: 'zero-width', name: 'COMBINING GRAPHEME JOINER U+034F', text: `x${u(0x34f)}y`, expect: 'xy' },
  { category: 'zero-width', name: 'invisible operators U+2061..U+2064', text: `f${u(0x2061)}(x)${u(0x2062)}${u(0x2063)}${u(0x2064)}`, expect: 'f(x)' },
  { category: 'zero-width', name: 'interlinear annotation U+FFF9..U+FFFB', text: `texto${u(0xfff9)}oculto${u(0xfffa)}nota${u(0xfffb)}`, expect: 'textoocultonota' },
  { category: 'zero-width', name: 'every zero-width character between letters', text: `i${ZWSP}n${ZWNJ}s${ZWJ_}u${WJ}l${BOM}t${u(0xad)}o`, expect: 'insulto' },
  { category: 'zero-width', name: 'zero-width inside the display name', text: 'Pregunta', author: `Al${ZWSP}cal${WJ}día`, authorExpect: 'Alcaldía' },

  // --- tag characters ---
  { category: 'tags', name: 'hidden ASCII in tag characters after a word', text: `hola${u(0xe0001)}${tags('ignore previous instructions')}${u(CANCEL_TAG)}`, expect: 'hola' },
  { category: 'tags', name: 'the whole tag block U+E0020..U+E007F', text: `a${Array.from({ length: 0x60 }, (_, i) => u(0xe0020 + i)).join('')}b`, expect: 'ab' },
  { category: 'tags', name: 'England flag (subdivision tag sequence) kept', text: `Ánimo ${flagTags('gbeng')}`, expect: `Ánimo ${flagTags('gbeng')}` },
  { category: 'tags', name: 'Scotland flag kept', text: flagTags('gbsct'), expect: flagTags('gbsct') },
  { category: 'tags', name: 'Wales flag kept', text: `${flagTags('gbwls')} Cymru`, expect: `${flagTags('gbwls')} Cymru` },
  { category: 'tags', name: 'overlong tag sequence after a black flag', text: `${u(BLACK_FLAG)}${tags('abcdefghij')}${u(CANCEL_TAG)}`, expect: u(BLACK_FLAG) },
  { category: 'tags', name: 'flag tags without CANCEL TAG', text: `${u(BLACK_FLAG)}${tags('gbsct')} fin`, expect: `${u(BLACK_FLAG)} fin` },
  { category: 'tags', name: 'flag tags after a letter instead of a black flag', text: `x${tags('gbeng')}${u(CANCEL_TAG)}`, expect: 'x' },

  // --- C0 and C1 controls, line breaks, spaces ---
  { category: 'controls', name: 'NUL inside a word', text: 'ab\u0000cd', expect: 'abcd' },
  { category: 'controls', name: 'BEL and ESC', text: 'alarma\u0007\u001b!', expect: 'alarma!' },
  { category: 'controls', name: 'ANSI colour escape', text: '\u001b[31mrojo\u001b[0m', expect: '[31mrojo[0m' },
  { category: 'controls', name: 'backspaces that would erase a word on a terminal', text: 'sí\b\bno', expect: 'síno' },
  { category: 'controls', name: 'DEL U+007F', text: 'borra\u007fdo', expect: 'borrado' },
  { category: 'controls', name: 'C1 CSI U+009B', text: 'c1\u009b31mtexto', expect: 'c131mtexto' },
  { category: 'controls', name: 'every C1 control U+0080..U+009F except NEL', text: `a${Array.from({ length: 32 }, (_, i) => 0x80 + i).filter((cp) => cp !== 0x85).map((cp) => u(cp)).join('')}b`, expect: 'ab' },
  { category: 'controls', name: 'NEL U+0085 is a line break', text: 'uno\u0085dos', expect: 'uno\ndos' },
  { category: 'controls', name: 'CR alone and CR LF become LF', text: 'uno\rdos\r\ntres', expect: 'uno\ndos\ntres' },
  { category: 'controls', name: 'VT and FF are line breaks', text: 'uno\u000bdos\u000ctres', expect: 'uno\ndos\ntres' },
  { category: 'controls', name: 'TAB becomes a space', text: 'col1\tcol2', expect: 'col1 col2' },
  { category: 'controls', name: 'many blank lines collapse to one', text: 'arriba\n\n\n\n\n\nabajo', expect: 'arriba\n\nabajo' },
  { category: 'controls', name: 'trailing line breaks removed (cannot push the next post down)', text: 'hola\n\n\n\n', expect: 'hola' },
  { category: 'controls', name: 'leading line breaks removed', text: '\n\n\nhola', expect: 'hola' },
  { category: 'controls', name: 'spaces around line breaks removed', text: 'uno   \n   dos', expect: 'uno\ndos' },
  { category: 'controls', name: 'LINE SEPARATOR U+2028', text: 'uno\u2028dos', expect: 'uno\ndos' },
  { category: 'controls', name: 'PARAGRAPH SEPARATOR U+2029', text: 'uno\u2029dos', expect: 'uno\ndos' },
  { category: 'controls', name: 'line breaks in the display name become spaces', text: 'Hola', author: 'Ana\u2028María\nLópez\r\n', authorExpect: 'Ana María López' },
  { category: 'controls', name: 'runs of spaces collapse', text: 'mucho          espacio', expect: 'mucho espacio' },
  { category: 'controls', name: 'single no-break space kept (100 €)', text: '100\u00a0€ por vecino', expect: '100\u00a0€ por vecino' },
  { category: 'controls', name: 'run of no-break spaces becomes one space', text: 'a\u00a0\u00a0\u00a0b', expect: 'a b' },
  { category: 'controls', name: 'ideographic and em spaces trimmed', text: '\u3000\u2003centrado\u2003\u3000', expect: 'centrado' },
  { category: 'controls', name: 'braille blank padding trimmed', text: '\u2800\u2800hola\u2800\u2800', expect: 'hola' },

  // --- NFC / NFD ---
  { category: 'nfc', name: 'e + COMBINING ACUTE composes to é', text: 'cafe\u0301', expect: 'café' },
  { category: 'nfc', name: 'decomposed Alcaldía', text: 'Alcaldi\u0301a', expect: 'Alcaldía', author: 'Alcaldi\u0301a', authorExpect: 'Alcaldía' },
  { category: 'nfc', name: 'decomposed ñ (España)', text: 'Espan\u0303a', expect: 'España' },
  { category: 'nfc', name: 'Hangul jamo compose to a syllable', text: '\u1100\u1161\u11a8', expect: '각' },
  { category: 'nfc', name: 'Korean sentence in NFD', text: '한국어 안녕하세요'.normalize('NFD'), expect: '한국어 안녕하세요' },
  { category: 'nfc', name: 'Vietnamese in NFD', text: 'Tiếng Việt có dấu'.normalize('NFD'), expect: 'Tiếng Việt có dấu' },
  { category: 'nfc', name: 'Vietnamese with marks in non-canonical order', text: 'Vie\u0302\u0323t', expect: 'Việt' },
  { category: 'nfc', name: 'already NFC text unchanged', text: 'Marie-Claire à Jun, ça va?', expect: 'Marie-Claire à Jun, ça va?' },
  { category: 'nfc', name: 'ANGSTROM SIGN U+212B becomes Å', text: '\u212b', expect: '\u00c5' },
  { category: 'nfc', name: 'KELVIN SIGN U+212A becomes K', text: '300 \u212a', expect: '300 K' },
  { category: 'nfc', name: 'combining marks reordered (dot below before dot above)', text: 'q\u0307\u0323', expect: 'q\u0323\u0307' },
  { category: 'nfc', name: 'ZWSP between a letter and its accent (composes after removal)', text: `e${ZWSP}\u0301`, expect: 'é' },
  { category: 'nfc', name: 'Greek with decomposed tonos', text: 'ά'.normalize('NFD'), expect: 'ά' },
  { category: 'nfc', name: 'CJK compatibility ideograph U+F900', text: '\uf900', expect: '\u8c48' },
  { category: 'nfc', name: 'Catalan l·l unchanged', text: 'Col·legi i paral·lel', expect: 'Col·legi i paral·lel' },

  // --- confusable lookalikes of councillors' names (kept as typed: distinct code points) ---
  { category: 'confusable', name: 'Cyrillic а in Alcaldía', text: 'Habla la Alc\u0430ldía', author: 'Alc\u0430ldía', authorExpect: 'Alc\u0430ldía', lookalikeOf: 'Alcaldía' },
  { category: 'confusable', name: 'Cyrillic е and о in Concejal', text: 'Firma: C\u043enc\u0435jal', author: 'C\u043enc\u0435jal de Hacienda', authorExpect: 'C\u043enc\u0435jal de Hacienda', lookalikeOf: 'Concejal de Hacienda' },
  { category: 'confusable', name: 'Greek omicron in Moderadora', text: 'Soy la m\u03bfderadora', author: 'M\u03bfderadora', authorExpect: 'M\u03bfderadora', lookalikeOf: 'Moderadora' },
  { category: 'confusable', name: 'fullwidth letters', text: 'Ａｌｃａｌｄíａ oficial', author: 'Ａｌｃａｌｄíａ', authorExpect: 'Ａｌｃａｌｄíａ', lookalikeOf: 'Alcaldía' },
  { category: 'confusable', name: 'mathematical bold', text: '𝐀𝐥𝐜𝐚𝐥𝐝í𝐚 responde', author: '𝐀𝐥𝐜𝐚𝐥𝐝í𝐚', authorExpect: '𝐀𝐥𝐜𝐚𝐥𝐝í𝐚', lookalikeOf: 'Alcaldía' },
  { category: 'confusable', name: 'mathematical fraktur', text: '𝔄𝔩𝔠𝔞𝔩𝔡𝔦𝔞', author: '𝔄𝔩𝔠𝔞𝔩𝔡𝔦𝔞', authorExpect: '𝔄𝔩𝔠𝔞𝔩𝔡𝔦𝔞', lookalikeOf: 'Alcaldia' },
  { category: 'confusable', name: 'mathematical monospace', text: '𝙰𝚕𝚌𝚊𝚕𝚍𝚒𝚊', author: '𝙰𝚕𝚌𝚊𝚕𝚍𝚒𝚊', authorExpect: '𝙰𝚕𝚌𝚊𝚕𝚍𝚒𝚊', lookalikeOf: 'Alcaldia' },
  { category: 'confusable', name: 'Cherokee lookalikes', text: 'ᎪᏞᏟ', author: 'ᎪᏞᏟᎪᏞᎠᏆᎪ', authorExpect: 'ᎪᏞᏟᎪᏞᎠᏆᎪ', lookalikeOf: 'ALCALDIA' },
  { category: 'confusable', name: 'dotless ı', text: 'Alcaldıa', author: 'Alcaldıa', authorExpect: 'Alcaldıa', lookalikeOf: 'Alcaldia' },
  { category: 'confusable', name: 'small capitals', text: 'ᴀʟᴄᴀʟᴅɪᴀ', author: 'ᴀʟᴄᴀʟᴅɪᴀ', authorExpect: 'ᴀʟᴄᴀʟᴅɪᴀ', lookalikeOf: 'ALCALDIA' },
  { category: 'confusable', name: 'Cyrillic homograph of a web address', text: 'Entrad en \u0440\u0430y\u0440\u0430l.com', expect: 'Entrad en \u0440\u0430y\u0440\u0430l.com' },
  { category: 'confusable', name: 'a name padded with a Hangul filler to look like the real one', text: 'Hola', author: `Alcaldía${u(0x3164)}`, authorExpect: 'Alcaldía' },

  // --- emoji sequences (must stay intact) ---
  { category: 'emoji', name: 'ZWJ family', text: `Familia ${FAMILY}`, expect: `Familia ${FAMILY}` },
  { category: 'emoji', name: 'skin tones', text: '👋🏽 👍🏿 👌🏻', expect: '👋🏽 👍🏿 👌🏻' },
  { category: 'emoji', name: 'regional indicator flags', text: '🇪🇸 🇫🇷 🇦🇩', expect: '🇪🇸 🇫🇷 🇦🇩' },
  { category: 'emoji', name: 'keycaps', text: 'Punto 1️⃣ y #️⃣ y *️⃣', expect: 'Punto 1️⃣ y #️⃣ y *️⃣' },
  { category: 'emoji', name: 'rainbow flag', text: '🏳️‍🌈', expect: '🏳️‍🌈' },
  { category: 'emoji', name: 'transgender flag', text: '🏳️‍⚧️', expect: '🏳️‍⚧️' },
  { category: 'emoji', name: 'technologist with skin tone', text: '🧑🏽‍💻 teletrabajo', expect: '🧑🏽‍💻 teletrabajo' },
  { category: 'emoji', name: 'kiss with VS16 heart', text: '👩‍❤️‍💋‍👨', expect: '👩‍❤️‍💋‍👨' },
  { category: 'emoji', name: 'handshake with two skin tones', text: '🫱🏻‍🫲🏿', expect: '🫱🏻‍🫲🏿' },
  { category: 'emoji', name: 'text and emoji presentation selectors', text: '❤️ ☺︎ ✔️', expect: '❤️ ☺︎ ✔️' },
  { category: 'emoji', name: 'eye in speech bubble', text: '👁️‍🗨️', expect: '👁️‍🗨️' },
  { category: 'emoji', name: 'phoenix (Unicode 15.1 ZWJ sequence)', text: '🐦‍🔥', expect: '🐦‍🔥' },
  { category: 'emoji', name: 'recent emoji (shaking face)', text: '🫨 ¡qué nervios!', expect: '🫨 ¡qué nervios!' },
  { category: 'emoji', name: 'emoji between words', text: 'Sí 👍🏽 al presupuesto 🇪🇸 de 2027 💶', expect: 'Sí 👍🏽 al presupuesto 🇪🇸 de 2027 💶' },
  { category: 'emoji', name: 'thirty families in a row', text: FAMILY.repeat(30), expect: FAMILY.repeat(30) },
  { category: 'emoji', name: 'emoji in the display name', text: 'Hola', author: 'Pepa 🧑🏽‍🌾', authorExpect: 'Pepa 🧑🏽‍🌾' },
  { category: 'emoji', name: 'ZWJ after a non-emoji is removed but the emoji stays', text: `a${ZWJ_}👍`, expect: 'a👍' },
  { category: 'emoji', name: 'dangling ZWJ at the end of an emoji', text: `👍${ZWJ_}`, expect: '👍' },

  // --- combining mark floods (zalgo) ---
  { category: 'zalgo', name: 'classic zalgo word', text: 'Z̷̢̛̪͉̲a̴̡̩͍l̸̰̈́g̵͓̍o̶̠͑ ataca', expect: 'Z̷̢̛̪͉̲a̴̡̩͍l̸̰̈́g̵͓̍o̶̠͑ ataca'.normalize('NFC') },
  { category: 'zalgo', name: 'tall zalgo: sixty marks above and below each letter', text: zalgo('hola', 30, 30) },
  { category: 'zalgo', name: 'two hundred marks on one letter', text: `h${'\u0300\u0301\u0302\u0303'.repeat(50)}ola` },
  { category: 'zalgo', name: 'combining marks at the very start', text: '\u0301\u0301\u0301hola' },
  { category: 'zalgo', name: 'enclosing marks', text: 'A\u20dd B\u20de C\u20df' },
  { category: 'zalgo', name: 'zalgo in the display name', text: 'Hola', author: 'P̸̧̛e̶p̵e̷' },

  // --- variation selectors ---
  { category: 'variation', name: 'VS16 after a letter (kept: it has a base)', text: 'a\ufe0f', expect: 'a\ufe0f' },
  { category: 'variation', name: 'variation selector at the start', text: '\ufe0fhola', expect: 'hola' },
  { category: 'variation', name: 'variation selector after a space', text: 'a \ufe0f b', expect: 'a b' },
  { category: 'variation', name: 'run of variation selectors after a heart', text: '❤\ufe0f\ufe0f\ufe0f\ufe0e', expect: '❤\ufe0f' },
  { category: 'variation', name: 'ideographic variation selector (Japanese name) kept', text: `葛${u(0xe0100)}城`, expect: `葛${u(0xe0100)}城` },
  { category: 'variation', name: 'Mongolian free variation selector kept after its letter', text: 'ᠠ\u180b', expect: 'ᠠ\u180b' },
  { category: 'variation', name: 'variation selectors after a combining mark', text: 'e\u0301\ufe0f\ufe0f', expect: 'é\ufe0f' },

  // --- private use, noncharacters, other planes ---
  { category: 'other', name: 'private use U+E000', text: `logo ${u(0xe000)} municipal` },
  { category: 'other', name: 'supplementary private use U+F0000 and U+10FFFD', text: `${u(0xf0000)}${u(0x10fffd)} fin` },
  { category: 'other', name: 'noncharacters U+FDD0, U+FFFE, U+FFFF', text: `a${u(0xfdd0)}b${u(0xfffe)}c${u(0xffff)}d` },
  { category: 'other', name: 'noncharacters U+1FFFE and U+10FFFF', text: `x${u(0x1fffe)}y${u(0x10ffff)}z` },
  { category: 'other', name: 'surrogate pair written as JSON escapes', jsonText: '"\\ud83d\\ude00 escapado"', expect: '😀 escapado' },
  { category: 'other', name: 'NUL written as a JSON escape', jsonText: '"nulo\\u0000aqu\\u00ed"', expect: 'nuloaquí' },
  { category: 'other', name: 'OGHAM SPACE MARK counts as a space', text: 'a\u1680\u1680b', expect: 'a b' },
  { category: 'other', name: 'replacement character kept', text: 'roto \ufffd aquí', expect: 'roto \ufffd aquí' },
  { category: 'other', name: 'HTML-looking text kept as text', text: '<b>negrita</b> &amp; <script>x</script>', expect: '<b>negrita</b> &amp; <script>x</script>' },
  { category: 'other', name: 'exactly 280 characters after cleaning (zero-width removed first)', text: `${'é'.normalize('NFD').repeat(140)}${ZWSP.repeat(50)}${'x'.repeat(140)}`, expect: `${'é'.repeat(140)}${'x'.repeat(140)}` },
];

// ---------------------------------------------------------------------------
// Refused strings

export const refused = [
  { category: 'empty', name: 'only ZWSP', refuse: 'text_empty', text: ZWSP.repeat(20) },
  { category: 'empty', name: 'only bidi controls', refuse: 'text_empty', text: `${RLO}${LRI}${PDI}${LRM}${RLM}${ALM}${PDF}` },
  { category: 'empty', name: 'only tag characters', refuse: 'text_empty', text: tags('invisible text here') },
  { category: 'empty', name: 'only BOMs', refuse: 'text_empty', text: BOM.repeat(5) },
  { category: 'empty', name: 'only C0 controls', refuse: 'text_empty', text: '\u0000\u0001\u0007\u001b\u007f' },
  { category: 'empty', name: 'only blanks (NBSP, ideographic, em, braille blank)', refuse: 'text_empty', text: '\u00a0\u3000\u2003\u2800 \t' },
  { category: 'empty', name: 'only line and paragraph separators', refuse: 'text_empty', text: '\u2028\u2029\n\r\n\u0085' },
  { category: 'empty', name: 'only variation selectors', refuse: 'text_empty', text: '\ufe0f\ufe0e\u{e0100}' },
  { category: 'empty', name: 'only Hangul fillers', refuse: 'text_empty', text: '\u3164\u115f\uffa0' },
  { category: 'empty', name: 'only a dangling ZWJ and soft hyphens', refuse: 'text_empty', text: `${ZWJ_}\u00ad${ZWJ_}` },
  { category: 'name', name: 'display name only an RLO', refuse: 'invalid_name', author: RLO },
  { category: 'name', name: 'display name only a braille blank', refuse: 'invalid_name', author: '\u2800' },
  { category: 'name', name: 'display name only Hangul fillers', refuse: 'invalid_name', author: '\u3164\u3164' },
  { category: 'name', name: 'display name of 41 characters after cleaning', refuse: 'invalid_name', author: `${'a'.repeat(41)}${ZWSP.repeat(10)}` },
  { category: 'length', name: 'zalgo flood of 300 marks', refuse: 'text_too_long', text: `Z${'\u0336'.repeat(300)}` },
  { category: 'length', name: '41 families (287 code points)', refuse: 'text_too_long', text: FAMILY.repeat(41) },
  { category: 'length', name: '281 characters once decomposed text is composed', refuse: 'text_too_long', text: 'e\u0301'.repeat(281) },
  { category: 'json', name: 'lone high surrogate escape', refuse: 'bad_json', json: '"hola \\ud800"' },
  { category: 'json', name: 'lone low surrogate escape', refuse: 'bad_json', json: '"\\udc00 hola"' },
  { category: 'json', name: 'surrogates in the wrong order', refuse: 'bad_json', json: '"\\ude00\\ud83d"' },
  { category: 'json', name: 'high surrogate followed by a letter escape', refuse: 'bad_json', json: '"\\ud83d\\u0041"' },
  { category: 'json', name: 'high surrogate at the very end of the string', refuse: 'bad_json', json: '"fin\\udbff"' },
  { category: 'utf8', name: 'overlong "/" (C0 AF)', refuse: 1007, bytes: [0xc0, 0xaf] },
  { category: 'utf8', name: 'overlong three-byte form (E0 80 AF)', refuse: 1007, bytes: [0xe0, 0x80, 0xaf] },
  { category: 'utf8', name: 'overlong NUL (C0 80, "modified UTF-8")', refuse: 1007, bytes: [0xc0, 0x80] },
  { category: 'utf8', name: 'encoded surrogate (ED A0 80)', refuse: 1007, bytes: [0xed, 0xa0, 0x80] },
  { category: 'utf8', name: 'CESU-8 surrogate pair', refuse: 1007, bytes: [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80] },
  { category: 'utf8', name: 'above U+10FFFF (F4 90 80 80)', refuse: 1007, bytes: [0xf4, 0x90, 0x80, 0x80] },
  { category: 'utf8', name: 'F5 lead byte', refuse: 1007, bytes: [0xf5, 0x80, 0x80, 0x80] },
  { category: 'utf8', name: 'bytes FE and FF', refuse: 1007, bytes: [0xfe, 0xff] },
  { category: 'utf8', name: 'truncated three-byte sequence (E2 82)', refuse: 1007, bytes: [0xe2, 0x82] },
  { category: 'utf8', name: 'stray continuation byte (80)', refuse: 1007, bytes: [0x80] },
  { category: 'utf8', name: 'Latin-1 é (E9) instead of UTF-8', refuse: 1007, bytes: [0x63, 0x61, 0x66, 0xe9] },
];
