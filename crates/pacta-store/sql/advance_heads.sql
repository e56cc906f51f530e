WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
UPDATE agreements SET
    head_seq = CAST(rows.r ->> 'seq' AS BIGINT),
    head_hash = unhex(rows.r ->> 'hash'),
    source_sha256 = COALESCE(unhex(rows.r ->> 'source_sha256'), agreements.source_sha256)
FROM rows
WHERE agreements.id = rows.r ->> 'id'
  AND agreements.head_seq = CAST(rows.r ->> 'expected' AS BIGINT)
