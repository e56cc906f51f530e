INSERT INTO agreements (id, source_sha256, head_seq, head_hash, opened_at)
SELECT
    j.value ->> 'id',
    unhex(j.value ->> 'source_sha256'),
    CAST(j.value ->> 'seq' AS BIGINT),
    unhex(j.value ->> 'hash'),
    j.value ->> 'opened_at'
FROM json_each($1) AS j
