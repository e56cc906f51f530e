WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO agreements (id, source_sha256, head_seq, head_hash, opened_at)
SELECT r ->> 0, unhex(r ->> 1), CAST(r ->> 2 AS BIGINT), unhex(r ->> 3), r ->> 4
FROM rows
