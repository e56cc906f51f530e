INSERT INTO receipts (key, agreement_id, request_sha256, status, body, created_at)
SELECT
    j.value ->> 'key',
    j.value ->> 'agreement_id',
    unhex(j.value ->> 'request_sha256'),
    CAST(j.value ->> 'status' AS BIGINT),
    unhex(j.value ->> 'body'),
    CAST(j.value ->> 'created_at' AS BIGINT)
FROM json_each($1) AS j
WHERE true
ON CONFLICT (key) DO NOTHING
