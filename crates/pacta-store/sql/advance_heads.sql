UPDATE agreements SET
    head_seq = CAST(j.value ->> 'seq' AS BIGINT),
    head_hash = unhex(j.value ->> 'hash'),
    source_sha256 = COALESCE(unhex(j.value ->> 'source_sha256'), agreements.source_sha256)
FROM json_each($1) AS j
WHERE agreements.id = j.value ->> 'id'
  AND agreements.head_seq = CAST(j.value ->> 'expected' AS BIGINT)
