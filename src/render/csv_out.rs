//! Every CSV the tool writes (issue 31): through a real CSV writer, quoting whatever
//! needs it (a comma or a quote in an area code splits no row), and with a text cell that
//! a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) made inert by a leading apostrophe, as spreadsheets themselves
//! write text that only looks like a formula. A number (`-0.25`) stays a number.

use std::borrow::Cow;

/// A cell as written: a text that would open as a formula gets a leading apostrophe.
pub fn inert(field: &str) -> Cow<'_, str> {
    let risky = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // A number as the tool writes numbers: digits, one sign, a point, an exponent.
    let number = field.chars().all(|c| c.is_ascii_digit() || ".eE+-".contains(c))
        && field.parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

/// A CSV being written: a header, then rows of fields.
pub struct Csv {
    writer: csv::Writer<Vec<u8>>,
}

impl Csv {
    pub fn new<S: AsRef<str>>(header: &[S]) -> Csv {
        Csv::with_prefix(header, b"")
    }

    /// A CSV whose bytes start with `prefix` (a UTF-8 byte-order mark, for the files
    /// an office opens by double-clicking).
    pub fn with_prefix<S: AsRef<str>>(header: &[S], prefix: &[u8]) -> Csv {
        let mut csv = Csv {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(prefix.to_vec()),
        };
        csv.row(header.iter().map(|h| h.as_ref()));
        csv
    }

    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let fields: Vec<String> = fields
            .into_iter()
            .map(|f| inert(f.as_ref()).into_owned())
            .collect();
        // Writing into memory cannot fail.
        self.writer
            .write_record(&fields)
            .expect("a CSV record written to memory");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer
            .into_inner()
            .map_err(|e| e.into_error())
            .expect("a CSV flushed to memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert_and_numbers_kept() {
        assert_eq!(inert("=1+1"), "'=1+1");
        assert_eq!(inert("+84 912"), "'+84 912");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("\tx"), "'\tx");
        assert_eq!(inert("-cmd"), "'-cmd");
        assert_eq!(inert("-0.25"), "-0.25");
        assert_eq!(inert("+3"), "+3");
        assert_eq!(inert("44"), "44");
        assert_eq!(inert("-inf"), "'-inf");
        assert_eq!(inert("-1e-5"), "-1e-5");
    }

    #[test]
    fn separators_quotes_and_line_breaks_stay_in_their_cell() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(["4,5", "say \"hi\"\nthere"]);
        let text = String::from_utf8(csv.into_bytes()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "4,5");
        assert_eq!(&rows[0][1], "say \"hi\"\nthere");
    }
}
