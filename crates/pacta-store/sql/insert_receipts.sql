WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO receipts (key, agreement_id, request_sha256, status, body, created_at)
SELECT
    r ->> 'key',
    r ->> 'agreement_id',
    substr(CAST($2 AS BLOB), CAST(r ->> 'bytes' AS INTEGER), 32),
    CAST(r ->> 'status' AS BIGINT),
    substr(CAST($2 AS BLOB), CAST(r ->> 'bytes' AS INTEGER) + 32, CAST(r ->> 'body_len' AS INTEGER)),
    CAST(r ->> 'created_at' AS BIGINT)
FROM rows
WHERE true
ON CONFLICT (key) DO NOTHING
