//! Table source files as postmap, postalias and texthash read them (Postfix
//! `util/readlline.c`): logical lines made of a first line and its continuation lines
//! (lines that start with white space), with comment and blank lines dropped.

/// One logical line and where it sits in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// 1-based number of the line the logical line starts on.
    pub first_line: usize,
    /// 1-based number of its last physical line.
    pub last_line: usize,
    /// The text with continuation lines joined (the newline kept as a single space
    /// would change values, so the line break is replaced by nothing but the
    /// continuation's own leading white space).
    pub text: String,
}

/// A line that cannot start a logical line: it begins with white space but follows
/// nothing (Postfix warns "logical line must not start with white space" and drops it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanContinuation {
    pub line: usize,
}

/// Splits `text` into logical lines. Comment lines (first non-blank character `#`)
/// and blank lines are skipped and end nothing: a continuation line after a comment
/// still continues the line before the comment, as in Postfix.
pub fn logical_lines(text: &str) -> (Vec<LogicalLine>, Vec<OrphanContinuation>) {
    let mut out: Vec<LogicalLine> = Vec::new();
    let mut orphans = Vec::new();
    let mut open = false;
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let starts_blank = line.len() != trimmed.len();
        if starts_blank {
            match out.last_mut() {
                Some(last) if open => {
                    last.text.push_str(line);
                    last.last_line = number;
                }
                _ => orphans.push(OrphanContinuation { line: number }),
            }
            continue;
        }
        out.push(LogicalLine {
            first_line: number,
            last_line: number,
            text: line.to_string(),
        });
        open = true;
    }
    (out, orphans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_skips_comments() {
        let (lines, orphans) = logical_lines("a 1\n  2\n# c\n\tthree\nb x\n\n  #\n");
        assert!(orphans.is_empty());
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "a 1  2\tthree");
        assert_eq!((lines[0].first_line, lines[0].last_line), (1, 4));
        assert_eq!(lines[1].text, "b x");
    }

    #[test]
    fn leading_blank_first_line_is_an_orphan() {
        let (lines, orphans) = logical_lines("  x 1\ny 2\n");
        assert_eq!(orphans, vec![OrphanContinuation { line: 1 }]);
        assert_eq!(lines.len(), 1);
    }
}
