WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
UPDATE agreements SET
    head_seq = CAST(rows.r ->> 3 AS BIGINT),
    head_hash = unhex(rows.r ->> 4),
    source_sha256 = COALESCE(unhex(rows.r ->> 5), agreements.source_sha256)
FROM rows
WHERE agreements.id = rows.r ->> 0
  AND agreements.head_seq = CAST(rows.r ->> 1 AS BIGINT)
  AND agreements.head_hash = unhex(rows.r ->> 2)
