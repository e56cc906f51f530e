WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO agreements (id, source_sha256, head_seq, head_hash, opened_at)
SELECT
    r ->> 'id',
    unhex(r ->> 'source_sha256'),
    CAST(r ->> 'seq' AS BIGINT),
    unhex(r ->> 'hash'),
    r ->> 'opened_at'
FROM rows
