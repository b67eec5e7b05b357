//! SMS length: the GSM 03.38 alphabet and fitting a text into one segment.
//!
//! One SMS segment holds 160 characters of the GSM 7-bit alphabet (characters of its
//! extension table, such as `{` or `€`, take two), or 70 UTF-16 code units when any
//! character is outside that alphabet. Longer texts are split and billed per segment.

/// The most GSM 7-bit septets one segment holds.
const GSM_SEGMENT: usize = 160;
/// The most UTF-16 code units one segment holds when the text is not GSM 7-bit.
const UCS2_SEGMENT: usize = 70;
/// What a shortened text ends with (GSM 7-bit, unlike `…`).
const ELLIPSIS: &str = "...";

/// The GSM 03.38 basic character set, without the escape code.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: each costs an escape plus the character.
const EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// How many septets `c` takes in GSM 7-bit, or `None` if it needs UCS-2.
fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// What `text` costs: septets in GSM 7-bit, UTF-16 code units otherwise.
fn cost(text: &str, gsm: bool) -> usize {
    if gsm {
        text.chars().map(|c| septets(c).unwrap_or(2)).sum()
    } else {
        text.encode_utf16().count()
    }
}

/// Whether every character of `text` is in the GSM 7-bit alphabet.
pub(crate) fn is_gsm(text: &str) -> bool {
    text.chars().all(|c| septets(c).is_some())
}

/// Whether `text` fits in one segment.
pub(crate) fn fits_one_segment(text: &str) -> bool {
    let gsm = is_gsm(text);
    cost(text, gsm) <= if gsm { GSM_SEGMENT } else { UCS2_SEGMENT }
}

/// `head` followed by `tail`, with `tail` shortened (ending in `...`) so the whole fits
/// one segment. When even `head` alone does not fit, the text is returned whole: Twilio
/// then sends it in several segments rather than losing the part that matters.
pub(crate) fn fit_one_segment(head: &str, tail: &str) -> String {
    let whole = format!("{head}{tail}");
    if fits_one_segment(&whole) {
        return whole;
    }
    let gsm = is_gsm(&whole);
    let limit = if gsm { GSM_SEGMENT } else { UCS2_SEGMENT };
    let fixed = cost(head, gsm) + cost(ELLIPSIS, gsm);
    if fixed > limit {
        return whole;
    }
    let mut budget = limit - fixed;
    let mut kept = String::new();
    for c in tail.chars() {
        let needed = cost(c.encode_utf8(&mut [0; 4]), gsm);
        if needed > budget {
            break;
        }
        budget -= needed;
        kept.push(c);
    }
    format!("{head}{}{ELLIPSIS}", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gsm_alphabet_and_its_extension_are_recognised() {
        assert!(is_gsm(
            "shop is live: release 20261126 (a1b2c3d) in 42 s. https://x.test/"
        ));
        assert!(!is_gsm("Ça coûte 5€"), "û is not GSM 7-bit");
        assert!(is_gsm("Ça va à 5€ [ok]"));
        assert!(!is_gsm("deploy ✅"));
        assert!(!is_gsm("“quoted”"));
    }

    #[test]
    fn a_short_text_is_left_alone() {
        assert_eq!(fit_one_segment("head: ", "tail"), "head: tail");
    }

    #[test]
    fn a_long_tail_is_cut_to_fill_exactly_one_gsm_segment() {
        let head = "Slipway: shop: deploy failed. \"Health check\" failed after 12 s: ";
        let tail = "the app did not answer ".repeat(10);
        let text = fit_one_segment(head, &tail);
        assert!(text.starts_with(head));
        assert!(text.ends_with("..."));
        assert!(fits_one_segment(&text), "{text}");
        assert!(text.chars().count() >= 155, "uses the room it has: {text}");
    }

    #[test]
    fn extension_characters_count_twice() {
        let tail = "{".repeat(100);
        let text = fit_one_segment("x: ", &tail);
        // 3 + 2 * 77 + 3 = 160
        assert_eq!(text, format!("x: {}...", "{".repeat(77)));
    }

    #[test]
    fn a_text_outside_gsm_gets_the_ucs2_limit() {
        let text = fit_one_segment("✅ shop: ", &"x".repeat(100));
        assert_eq!(text.encode_utf16().count(), 70);
        assert!(fits_one_segment(&text));
    }

    #[test]
    fn a_head_too_long_for_one_segment_is_kept_whole() {
        let head = "h".repeat(170);
        assert_eq!(fit_one_segment(&head, "tail"), format!("{head}tail"));
    }
}
