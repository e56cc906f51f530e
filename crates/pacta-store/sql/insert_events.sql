WITH rows AS MATERIALIZED (SELECT 64 * CAST(j.key AS INTEGER) + 1 AS h, jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO events (agreement_id, seq, at, kind, payload, prev_hash, hash)
SELECT
    r ->> 0,
    CAST(r ->> 1 AS BIGINT),
    r ->> 2,
    r ->> 3,
    substr(CAST($2 AS BLOB), CAST(r ->> 4 AS INTEGER) + 1, CAST(r ->> 5 AS INTEGER)),
    substr(CAST($2 AS BLOB), h, 32),
    substr(CAST($2 AS BLOB), h + 32, 32)
FROM rows
