WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO events (agreement_id, seq, at, kind, payload, prev_hash, hash)
SELECT
    r ->> 'agreement_id',
    CAST(r ->> 'seq' AS BIGINT),
    r ->> 'at',
    r ->> 'kind',
    substr(CAST($2 AS BLOB), CAST(r ->> 'bytes' AS INTEGER) + 64, CAST(r ->> 'payload_len' AS INTEGER)),
    substr(CAST($2 AS BLOB), CAST(r ->> 'bytes' AS INTEGER), 32),
    substr(CAST($2 AS BLOB), CAST(r ->> 'bytes' AS INTEGER) + 32, 32)
FROM rows
