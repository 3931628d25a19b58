//! The wildcard matching behind `exclude` patterns: `*` stands for any run of
//! characters (including none), `?` for exactly one, everything else for
//! itself, case-sensitively. Patterns are matched against one name part at a
//! time (see `scope.rs`), so a `*` never reaches across a schema boundary.

/// Whether `text` matches the whole of `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently stands in
    // for: on a mismatch the star swallows one more character and we retry.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn literal_text_matches_only_itself() {
        assert!(matches("users", "users"));
        assert!(!matches("users", "user"));
        assert!(!matches("users", "users2"));
        assert!(!matches("Users", "users"), "case-sensitive, like quoted identifiers");
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn a_star_matches_any_run_including_none() {
        assert!(matches("*", ""));
        assert!(matches("*", "anything at all"));
        assert!(matches("tmp_*", "tmp_"));
        assert!(matches("tmp_*", "tmp_2024"));
        assert!(!matches("tmp_*", "old_tmp_2024"));
        assert!(matches("*_ref_sys", "spatial_ref_sys"));
        assert!(matches("a*b*c", "a__b__b__c"));
        assert!(!matches("a*b*c", "a__b__b__"));
        assert!(matches("**", "x"));
    }

    #[test]
    fn a_question_mark_matches_exactly_one_character() {
        assert!(matches("t?", "t1"));
        assert!(!matches("t?", "t"));
        assert!(!matches("t?", "t12"));
        assert!(matches("?*", "é"), "characters, not bytes");
    }

    #[test]
    fn backtracking_finds_a_later_match() {
        assert!(matches("*ab", "aab"));
        assert!(matches("*a?c", "abcabc"));
        assert!(!matches("*a?d", "abcabc"));
    }
}
