//! Batch parameters: the rows of one statement as one JSON object
//! `{"0": {…}, "1": {…}}`, read by the shared SQL with `json_each($1)`.
//! Written by hand (no intermediate `serde_json::Value`) because a group commit
//! may carry hundreds of thousands of rows; strings are escaped as the codec
//! escapes payloads.

use crate::codec::{write_i64, write_str};

pub(crate) struct Rows {
    buf: Vec<u8>,
    count: usize,
    fields_in_row: usize,
    /// Each row an array of its fields, in the order written (`r ->> 0`, …),
    /// instead of an object: the SQL then finds a field by position, not by
    /// comparing names, and the batch is shorter. The names given to `str`, `int`
    /// and `hex` are then only documentation.
    tuples: bool,
}

impl Rows {
    pub(crate) fn new() -> Rows {
        Rows { buf: Vec::from(*b"{"), count: 0, fields_in_row: 0, tuples: false }
    }

    /// Rows written as arrays: `{"0": [..], "1": [..]}`.
    pub(crate) fn tuples() -> Rows {
        Rows { tuples: true, ..Rows::new() }
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
            self.buf.push(b',');
        }
        self.buf.push(b'"');
        write_i64(&mut self.buf, self.count as i64);
        self.buf.extend_from_slice(if self.tuples { b"\":[" } else { b"\":{" });
        self.count += 1;
        self.fields_in_row = 0;
        self
    }

    fn key(&mut self, key: &str) {
        if self.fields_in_row > 0 {
            self.buf.push(b',');
        }
        self.fields_in_row += 1;
        if !self.tuples {
            self.buf.push(b'"');
            self.buf.extend_from_slice(key.as_bytes());
            self.buf.extend_from_slice(b"\":");
        }
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Rows {
        self.key(key);
        write_str(&mut self.buf, value);
        self
    }

    pub(crate) fn int(&mut self, key: &str, value: i64) -> &mut Rows {
        self.key(key);
        write_i64(&mut self.buf, value);
        self
    }

    pub(crate) fn null(&mut self, key: &str) -> &mut Rows {
        self.key(key);
        self.buf.extend_from_slice(b"null");
        self
    }

    pub(crate) fn hex(&mut self, key: &str, bytes: &[u8]) -> &mut Rows {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        self.key(key);
        self.buf.reserve(bytes.len() * 2 + 2);
        self.buf.push(b'"');
        for &b in bytes {
            self.buf.push(DIGITS[usize::from(b >> 4)]);
            self.buf.push(DIGITS[usize::from(b & 15)]);
        }
        self.buf.push(b'"');
        self
    }

    pub(crate) fn end(&mut self) {
        self.buf.push(if self.tuples { b']' } else { b'}' });
    }

    /// The batch's JSON text. Not parsed again to check it: every byte was written
    /// above, and only valid JSON can be.
    pub(crate) fn finish(mut self) -> String {
        self.buf.push(b'}');
        String::from_utf8(self.buf).expect("keys and values are written from strings")
    }
}

/// `{"0": {"id": …}, …}` for a list of agreement ids.
pub(crate) fn ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
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
        assert_eq!(rows.finish(), r#"{"0":{"id":"a\"b","seq":-3,"h":"00ff"},"1":{"id":"c"}}"#);
        assert_eq!(ids([]), "{}");
        let mut tuples = Rows::tuples();
        tuples.row().str("id", "a").int("seq", 1).end();
        tuples.row().hex("h", &[1]).null("n").end();
        assert_eq!(tuples.finish(), r#"{"0":["a",1],"1":["01",null]}"#);
    }
}
