//! Folding free text (names, cities, postcodes) into a form that compares
//! well: lowercase, accents removed, German-style transliteration, word
//! order and separators ignored.
//!
//! | Input | Folded |
//! |---|---|
//! | `à á â ã å ā ă ą` | `a` |
//! | `ä æ` | `ae` |
//! | `ö ø œ` | `oe` |
//! | `ü` | `ue` |
//! | `ß` | `ss` |
//! | `þ` | `th` |
//! | `ĳ` | `ij` |
//! | other Latin letters with accents (`é ç ñ ł ž …`) | the base letter |
//! | combining accents, apostrophes | dropped (`O'Brien` → `obrien`) |
//! | other letters and digits (Cyrillic, Greek, CJK, …) | lowercased |
//! | anything else (spaces, `,`, `-`, `.`, …) | a word break |
//!
//! `Müller`, `Mueller` and `MÜLLER` fold alike; `Muller` folds to `muller`,
//! one edit from `mueller`, which Jaro-Winkler rates 0.96.

/// Folded names are cut after this many characters.
pub(super) const MAX_NAME_CHARS: usize = 64;
/// Names keep at most this many words (after dropping particles); the rest
/// are ignored.
pub(super) const MAX_NAME_TOKENS: usize = 6;
/// Folded places (city, postcode) are cut after this many characters.
pub(super) const MAX_PLACE_CHARS: usize = 48;
/// At most this many characters of raw input are read, so that a megabyte
/// of junk costs no more than a long name.
const MAX_INPUT_CHARS: usize = 256;

/// Name particles that many spellings drop or change (`Jan de Vries`,
/// `Jan Vries`, `Jan van der Berg`, `Jan v.d. Berg`): ignored when at least
/// two other words remain.
const PARTICLES: &[&str] = &[
    "d", "das", "de", "del", "della", "den", "der", "des", "dos", "du", "het", "la", "te", "ten",
    "ter", "v", "van", "vd", "von",
];

/// What one lowercase input character becomes.
enum Folded {
    Char(char),
    Str(&'static str),
    /// Nothing, and no word break (apostrophes, combining accents).
    Drop,
    /// A word break.
    Break,
}

/// Folds one lowercase character.
fn fold(c: char) -> Folded {
    if c.is_ascii() {
        return match c {
            'a'..='z' | '0'..='9' => Folded::Char(c),
            'A'..='Z' => Folded::Char(c.to_ascii_lowercase()),
            '\'' | '`' => Folded::Drop,
            _ => Folded::Break,
        };
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ä' | 'æ' => return Folded::Str("ae"),
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĳ' => return Folded::Str("ij"),
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ö' | 'ø' | 'œ' => return Folded::Str("oe"),
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ß' => return Folded::Str("ss"),
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'þ' => return Folded::Str("th"),
        'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ü' => return Folded::Str("ue"),
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{00b4}' | '\u{0300}'..='\u{036f}' => {
            return Folded::Drop;
        }
        _ if c.is_alphanumeric() => c,
        _ => return Folded::Break,
    };
    Folded::Char(base)
}

/// Calls `emit` with each folded character of `raw`, or `None` at a word
/// break; stops early when `emit` returns `false`.
fn fold_each(raw: &str, mut emit: impl FnMut(Option<char>) -> bool) {
    for c in raw.chars().take(MAX_INPUT_CHARS) {
        for lower in c.to_lowercase() {
            let more = match fold(lower) {
                Folded::Char(c) => emit(Some(c)),
                Folded::Str(s) => s.chars().all(|c| emit(Some(c))),
                Folded::Drop => true,
                Folded::Break => emit(None),
            };
            if !more {
                return;
            }
        }
    }
}

/// Appends the folded letters and digits of a place (`Den Haag` →
/// `denhaag`, `1234 AB` → `1234ab`) to `out`; separators are dropped.
pub(super) fn fold_place(raw: &str, out: &mut String) {
    let mut count = 0;
    fold_each(raw, |c| {
        if let Some(c) = c {
            out.push(c);
            count += 1;
        }
        count < MAX_PLACE_CHARS
    });
}

/// Appends the folded words of a name to `out`, particles dropped, sorted
/// and separated by one space (`de Vries, Jan` → `jan vries`). Returns the
/// number of words written.
pub(super) fn fold_name(raw: &str, out: &mut String) -> usize {
    // The folded characters, and each word as a range of them: on the stack,
    // because a record is built per event.
    let mut chars = ['\0'; MAX_NAME_CHARS];
    let mut len = 0;
    let mut words = [(0u8, 0u8); 2 * MAX_NAME_TOKENS];
    let mut count = 0;
    let mut in_word = false;
    fold_each(raw, |c| match c {
        Some(c) => {
            if len == MAX_NAME_CHARS {
                return false;
            }
            if !in_word {
                if count == words.len() {
                    return false;
                }
                words[count] = (len as u8, len as u8);
                count += 1;
                in_word = true;
            }
            chars[len] = c;
            len += 1;
            if let Some(word) = words.get_mut(count.wrapping_sub(1)) {
                word.1 = len as u8;
            }
            true
        }
        None => {
            in_word = false;
            true
        }
    });
    let word = |&(start, end): &(u8, u8)| chars.get(usize::from(start)..usize::from(end));
    let is_particle = |w: &(u8, u8)| {
        word(w).is_some_and(|w| {
            PARTICLES
                .iter()
                .any(|p| p.len() == w.len() && p.chars().eq(w.iter().copied()))
        })
    };
    let words = words.get_mut(..count).unwrap_or_default();
    let others = words.iter().filter(|w| !is_particle(w)).count();
    let mut kept = [(0u8, 0u8); MAX_NAME_TOKENS];
    let mut n = 0;
    for w in words.iter() {
        if n < MAX_NAME_TOKENS && (others < 2 || !is_particle(w)) {
            kept[n] = *w;
            n += 1;
        }
    }
    let kept = kept.get_mut(..n).unwrap_or_default();
    kept.sort_unstable_by(|a, b| word(a).cmp(&word(b)));
    for (i, w) in kept.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.extend(word(w).unwrap_or_default());
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(raw: &str) -> (String, usize) {
        let mut out = String::new();
        let n = fold_name(raw, &mut out);
        (out, n)
    }

    fn place(raw: &str) -> String {
        let mut out = String::new();
        fold_place(raw, &mut out);
        out
    }

    #[test]
    fn names_fold_case_accents_and_order() {
        assert_eq!(name("Jan de Vries"), ("jan vries".into(), 2));
        assert_eq!(name("de Vries, Jan"), ("jan vries".into(), 2));
        assert_eq!(name("VRIES, JAN DE"), ("jan vries".into(), 2));
        assert_eq!(name("Jan van der Berg").0, "berg jan");
        assert_eq!(name("Jürgen Müller").0, "juergen mueller");
        assert_eq!(name("Juergen Mueller").0, "juergen mueller");
        assert_eq!(name("Heinz Großmann").0, "grossmann heinz");
        assert_eq!(name("Zoë Saldaña").0, "saldana zoe");
        assert_eq!(name("Zoe\u{0308} O'Brien").0, "obrien zoe");
        assert_eq!(name("Søren Kierkegaard").0, "kierkegaard soeren");
        assert_eq!(name("Łukasz Wałęsa").0, "lukasz walesa");
        assert_eq!(name("Anna-Liisa Mäkinen").0, "anna liisa maekinen");
        assert_eq!(name("Иван Петров").0, "иван петров");
    }

    #[test]
    fn particles_stay_when_they_are_all_there_is() {
        assert_eq!(name("de la"), ("de la".into(), 2));
        assert_eq!(name("Jan de"), ("de jan".into(), 2));
        assert_eq!(name("Madonna"), ("madonna".into(), 1));
        assert_eq!(name(" ,. "), (String::new(), 0));
    }

    #[test]
    fn long_and_odd_input_is_bounded() {
        let (long, n) = name(&"abcdefghij ".repeat(1000));
        assert!(long.chars().filter(|c| *c != ' ').count() <= MAX_NAME_CHARS);
        assert!(n <= MAX_NAME_TOKENS);
        let (one, _) = name(&"x".repeat(1000));
        assert_eq!(one.len(), MAX_NAME_CHARS);
        assert!(name("a b c d e f g h i j k l m n").1 <= MAX_NAME_TOKENS);
        // Lowercasing can grow a character into several: İ → i + dot.
        assert_eq!(name("İsmail Öz").0, "ismail oez");
    }

    #[test]
    fn places_fold_to_letters_and_digits() {
        assert_eq!(place("1234 AB"), "1234ab");
        assert_eq!(place("1234ab"), "1234ab");
        assert_eq!(place(" 1234-ab "), "1234ab");
        assert_eq!(place("Den Haag"), "denhaag");
        assert_eq!(place("'s-Hertogenbosch"), "shertogenbosch");
        assert_eq!(place("München"), "muenchen");
        assert_eq!(place(&"x".repeat(500)).len(), MAX_PLACE_CHARS);
    }
}
