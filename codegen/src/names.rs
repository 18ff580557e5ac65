//! Rust names for the spec's names: snake_case for fields, functions and
//! locals, CamelCase for types and variants, keywords escaped, and the
//! names the generated code itself uses kept apart from the spec's locals.

use proc_macro2::{Ident, Span};
use spec_lang::ir::Local;

/// Names the generated step bodies use for their own purposes; a spec local
/// with one of these names gets a trailing underscore.
const RESERVED: &[&str] = &[
    "me",
    "hook",
    "sends",
    "msg",
    "recipient",
    "message",
    "value",
    "updated",
    "s",
];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// `yesVotes` and `YesVotes` become `yes_votes`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// `yes_votes` becomes `YesVotes`; `Yes` stays.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An identifier, escaped when it is a keyword.
pub fn ident(name: &str) -> Ident {
    match name {
        "self" | "Self" | "super" | "crate" | "_" => {
            Ident::new(&format!("{name}_"), Span::call_site())
        }
        _ if KEYWORDS.contains(&name) => Ident::new_raw(name, Span::call_site()),
        _ => Ident::new(name, Span::call_site()),
    }
}

pub fn snake_ident(name: &str) -> Ident {
    ident(&snake(name))
}

pub fn camel_ident(name: &str) -> Ident {
    ident(&camel(name))
}

/// `Participant` becomes `PARTICIPANT` (the role's constant).
pub fn upper_ident(name: &str) -> Ident {
    ident(&snake(name).to_uppercase())
}

/// The Rust names of a frame's locals. With `acting`, local 0 is the acting
/// instance and is called `me`. A name used twice gets its index appended.
pub fn frame_names(locals: &[Local], acting: bool) -> Vec<Ident> {
    let base: Vec<String> = locals
        .iter()
        .map(|l| {
            let s = snake(&l.name);
            if RESERVED.contains(&s.as_str()) {
                format!("{s}_")
            } else {
                s
            }
        })
        .collect();
    base.iter()
        .enumerate()
        .map(|(n, s)| {
            if acting && n == 0 {
                ident("me")
            } else if base.iter().filter(|b| *b == s).count() > 1 {
                ident(&format!("{s}_{n}"))
            } else {
                ident(s)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rust_conventions() {
        assert_eq!(snake("yesVotes"), "yes_votes");
        assert_eq!(snake("TwoPhaseCommit"), "two_phase_commit");
        assert_eq!(camel("yes_votes"), "YesVotes");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
    }
}
