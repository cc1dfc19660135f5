//! The depth guard: a linear over-estimate of the nesting the HTML tree
//! builder would reach, checked before any parsing.

use super::error::SanitizeError;
use super::fixed_point::output_limit;
use super::tree_rules::{self, Name};

const KEY_A: u128 = tree_rules::key(b"a");
const KEY_LI: u128 = tree_rules::key(b"li");
const KEY_DD: u128 = tree_rules::key(b"dd");
const KEY_DT: u128 = tree_rules::key(b"dt");
const KEY_P: u128 = tree_rules::key(b"p");

/// An element the depth estimate keeps open.
#[derive(Clone, Copy)]
struct Open<'a> {
    name: Name<'a>,
    class: u16,
}

/// Closes the innermost open `p`, unless a button-scope boundary comes first.
fn close_p_in_button_scope(open: &mut Vec<Open<'_>>) {
    for pos in (0..open.len()).rev() {
        if open[pos].name.key == KEY_P {
            open.truncate(pos);
            return;
        }
        if open[pos].class & tree_rules::BUTTON_SCOPE != 0 {
            return;
        }
    }
}

/// Reads the tag name starting at `start` (up to whitespace, `/` or `>`, as
/// the tokenizer ends it); returns it and the index after it.
pub(super) fn read_name(bytes: &[u8], start: usize) -> (Name<'_>, usize) {
    let mut end = start;
    let mut key = 0u128;
    while let Some(&b) = bytes.get(end) {
        if matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
            break;
        }
        key = (key << 8) | u128::from(b.to_ascii_lowercase());
        end += 1;
    }
    let name = &bytes[start..end];
    let key = if name.len() <= 16 { key } else { 0 };
    (Name { bytes: name, key }, end)
}

/// Linear over-estimate of the depth the HTML tree builder reaches: open
/// non-formatting elements (closed by a matching end tag) plus formatting
/// elements not yet closed by their own end tag (the tree builder re-opens
/// those after misnested markup).
pub(super) fn check_depth(input: &str, limit: usize) -> Result<(), SanitizeError> {
    use tree_rules::{CLOSES_P, CLOSES_SAME, FORMATTING, LIST_PASS, VOID};
    let bytes = input.as_bytes();
    let mut open: Vec<Open<'_>> = Vec::new();
    // A serial number per open element, so a position on the stack is
    // known to still hold the same element.
    let mut serials: Vec<u64> = Vec::new();
    let mut next_serial = 0u64;
    // (name, start-tag length, (stack length, serial of the parent) when inserted)
    let mut formatting: Vec<(Name<'_>, usize, (usize, u64))> = Vec::new();
    // Bytes of formatting start tags the tree builder will clone when it
    // reconstructs elements that an end tag of an enclosing element popped.
    let budget = output_limit(input.len());
    let mut cloned = 0usize;
    let mut reconstruct = |formatting: &mut Vec<(Name<'_>, usize, (usize, u64))>,
                           serials: &[u64]| {
        let here = (serials.len(), serials.last().copied().unwrap_or(u64::MAX));
        for f in formatting.iter_mut() {
            let (depth, parent) = f.2;
            let attached = depth == 0 || serials.get(depth - 1) == Some(&parent);
            if !attached {
                // popped with an enclosing element: cloned back in here
                cloned = cloned.saturating_add(f.1);
                f.2 = here;
            }
        }
        if cloned > budget {
            Err(SanitizeError::OutputTooLarge { limit: budget })
        } else {
            Ok(())
        }
    };
    let mut text_from = 0usize;
    for i in memchr::memchr_iter(b'<', bytes) {
        if i > text_from {
            // text before this tag: the tree builder reconstructs first
            serials.truncate(open.len());
            reconstruct(&mut formatting, &serials)?;
        }
        let (closing, name_start) = match bytes.get(i + 1..i + 3) {
            Some([b'/', c]) if c.is_ascii_alphabetic() => (true, i + 2),
            Some([c, _]) if c.is_ascii_alphabetic() => (false, i + 1),
            None if bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => (false, i + 1),
            _ => {
                let rest = &bytes[i + 1..];
                let tag_len = memchr::memchr(b'>', rest).map_or(rest.len(), |e| e + 1) + 1;
                text_from = (i + tag_len).max(text_from);
                continue;
            }
        };
        let (name, name_end) = read_name(bytes, name_start);
        // The tag ends at the first `>` after its `<`.
        let tag_end = if bytes.get(name_end) == Some(&b'>') {
            name_end + 1
        } else {
            memchr::memchr(b'>', &bytes[name_end..]).map_or(bytes.len(), |e| name_end + e + 1)
        };
        let tag_len = tag_end - i;
        text_from = tag_end.max(text_from);
        let class = name.flags();
        if closing {
            if class & FORMATTING != 0 {
                if let Some(pos) = formatting.iter().rposition(|n| n.0.is(&name)) {
                    formatting.remove(pos);
                }
            } else if let Some(pos) = open.iter().rposition(|n| n.name.is(&name)) {
                open.truncate(pos);
            }
            continue;
        }
        if class & CLOSES_P == 0 {
            // "any other start tag" reconstructs before it is inserted
            serials.truncate(open.len());
            reconstruct(&mut formatting, &serials)?;
        }
        if class & VOID != 0 {
            continue;
        }
        if class & FORMATTING != 0 {
            if name.key == KEY_A {
                // A new <a> closes an open one (adoption agency).
                if let Some(pos) = formatting.iter().rposition(|n| n.0.key == KEY_A) {
                    formatting.remove(pos);
                }
            }
            serials.truncate(open.len());
            let here = (serials.len(), serials.last().copied().unwrap_or(u64::MAX));
            formatting.push((name, tag_len, here));
        } else {
            if class & CLOSES_P != 0 {
                close_p_in_button_scope(&mut open);
            }
            let is_dd = name.key == KEY_DD || name.key == KEY_DT;
            if is_dd || name.key == KEY_LI {
                // The tree builder closes an open list item, passing over
                // p/div/address (and span, which is not "special").
                let same = |n: Name<'_>| {
                    if is_dd {
                        n.key == KEY_DD || n.key == KEY_DT
                    } else {
                        n.key == KEY_LI
                    }
                };
                if let Some(pos) = open
                    .iter()
                    .rposition(|n| same(n.name) || n.class & LIST_PASS == 0)
                    && same(open[pos].name)
                {
                    open.truncate(pos);
                }
            } else if class & CLOSES_SAME != 0 && open.last().is_some_and(|n| n.name.is(&name)) {
                open.pop();
            }
            open.push(Open { name, class });
            serials.truncate(open.len() - 1);
            serials.push(next_serial);
            next_serial += 1;
        }
        if open.len() + formatting.len() > limit {
            return Err(SanitizeError::NestingTooDeep { limit });
        }
    }
    Ok(())
}
