//! Batch parameters: the rows of one statement as one JSON object
//! `{"0": {…}, "1": {…}}`, read by the shared SQL with `json_each($1)`.
//! Written by hand (no intermediate `serde_json::Value`) because a group commit
//! may carry hundreds of thousands of rows.

use std::fmt::Write;

use sqlx::types::JsonRawValue;

pub(crate) struct Rows {
    buf: String,
    count: usize,
    fields_in_row: usize,
}

impl Rows {
    pub(crate) fn new() -> Rows {
        Rows { buf: String::from("{"), count: 0, fields_in_row: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Starts the next row; fields follow, then `end`.
    pub(crate) fn row(&mut self) -> &mut Rows {
        if self.count > 0 {
            self.buf.push(',');
        }
        write!(self.buf, "\"{}\":{{", self.count).expect("writing to a String cannot fail");
        self.count += 1;
        self.fields_in_row = 0;
        self
    }

    fn key(&mut self, key: &str) {
        if self.fields_in_row > 0 {
            self.buf.push(',');
        }
        self.fields_in_row += 1;
        self.buf.push('"');
        self.buf.push_str(key);
        self.buf.push_str("\":");
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Rows {
        self.key(key);
        self.buf.push_str(&serde_json::to_string(value).expect("a string serializes"));
        self
    }

    pub(crate) fn int(&mut self, key: &str, value: i64) -> &mut Rows {
        self.key(key);
        write!(self.buf, "{value}").expect("writing to a String cannot fail");
        self
    }

    pub(crate) fn hex(&mut self, key: &str, bytes: &[u8]) -> &mut Rows {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        self.key(key);
        self.buf.reserve(bytes.len() * 2 + 2);
        self.buf.push('"');
        for &b in bytes {
            self.buf.push(DIGITS[usize::from(b >> 4)] as char);
            self.buf.push(DIGITS[usize::from(b & 15)] as char);
        }
        self.buf.push('"');
        self
    }

    pub(crate) fn end(&mut self) {
        self.buf.push('}');
    }

    pub(crate) fn finish(mut self) -> Box<JsonRawValue> {
        self.buf.push('}');
        JsonRawValue::from_string(self.buf).expect("batch rows are valid JSON")
    }
}

/// `{"0": {"id": …}, …}` for a list of agreement ids.
pub(crate) fn ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Box<JsonRawValue> {
    let mut rows = Rows::new();
    for id in ids {
        rows.row().str("id", id).end();
    }
    rows.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_an_object_of_objects() {
        let mut rows = Rows::new();
        rows.row().str("id", "a\"b").int("seq", -3).hex("h", &[0, 255]).end();
        rows.row().str("id", "c").end();
        assert_eq!(rows.finish().get(), r#"{"0":{"id":"a\"b","seq":-3,"h":"00ff"},"1":{"id":"c"}}"#);
        assert_eq!(ids([]).get(), "{}");
    }
}
