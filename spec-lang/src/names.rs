//! Helpers for names: "did you mean" hints and derived type names.

/// The candidate closest to `name`, when one is close enough to be a likely
/// typo. Ties go to the earliest candidate, so the hint is deterministic.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=1 => 0,
        2..=3 => 1,
        4..=5 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        // A difference in case only is always a likely typo.
        let distance = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            strsim::levenshtein(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A `help:` note suggesting the closest candidate, if there is one.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("help: did you mean `{c}`?"))
}

/// `phase` -> `Phase`, `last_log_term` -> `LastLogTerm`, `TM` -> `Tm`.
pub fn camel_case(name: &str) -> String {
    let mut out = String::new();
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let all_upper = part.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_upper {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_name_one_typo_away() {
        assert_eq!(closest("phse", ["state", "phase"]), Some("phase"));
        assert_eq!(
            closest("Comitted", ["Committed", "Aborted"]),
            Some("Committed")
        );
    }

    #[test]
    fn suggests_nothing_for_an_unrelated_name() {
        assert_eq!(closest("quorum", ["state", "phase"]), None);
        assert_eq!(closest("x", ["abc"]), None);
    }

    #[test]
    fn derives_camel_case_type_names() {
        assert_eq!(camel_case("TM"), "Tm");
        assert_eq!(camel_case("last_log_term"), "LastLogTerm");
        assert_eq!(camel_case("RM") + &camel_case("state"), "RmState");
        assert_eq!(camel_case("Server"), "Server");
    }
}
