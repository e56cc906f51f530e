-- An event's payload is stored as the JSON text it is (TEXT), no longer as bytes
-- (BYTEA): a group commit then passes it to the insert as a JSON string instead of
-- hex that SQL turns back into bytes. The hash chain covers the same UTF-8 bytes
-- either way (the database's encoding must be UTF8, as the journal's other text
-- already assumes). Altering the type rewrites the table without firing the row
-- triggers that refuse updates.
ALTER TABLE events ALTER COLUMN payload TYPE TEXT USING convert_from(payload, 'UTF8');
