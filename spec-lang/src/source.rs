//! Bytes to source text: specs are UTF-8.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// The bytes of a spec file as text, or an error naming the line, column
/// and byte offset of the first byte that is not valid UTF-8.
///
/// The diagnostic's span is detached (the text cannot be shown as source);
/// its message says where the bad byte is.
pub fn source_text(bytes: &[u8]) -> Result<&str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        // The prefix before the bad byte is valid UTF-8 by definition.
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before, |i| &before[i + 1..])
            .chars()
            .count()
            + 1;
        Diagnostic::error(
            Span::DETACHED,
            format!(
                "the file is not valid UTF-8: line {line}, column {column} (byte offset {offset}) \
                 holds the byte 0x{:02x}",
                bytes[offset]
            ),
        )
        .with_note("help: save the spec as UTF-8 text")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_utf8_text() {
        assert_eq!(
            source_text("protocol P // é\n".as_bytes()),
            Ok("protocol P // é\n")
        );
    }

    #[test]
    fn reports_line_column_and_offset_of_first_bad_byte() {
        let bytes = b"protocol P\n// \xc3\xa9 ok\nrole \xff {}";
        let error = source_text(bytes).unwrap_err();
        assert!(error.primary.span.is_detached());
        assert_eq!(
            error.message,
            "the file is not valid UTF-8: line 3, column 6 (byte offset 25) holds the byte 0xff"
        );
    }

    #[test]
    fn reports_a_truncated_character_at_the_end() {
        let error = source_text(b"protocol P\xc3").unwrap_err();
        assert!(
            error.message.contains("line 1, column 11 (byte offset 10)"),
            "{}",
            error.message
        );
    }
}
