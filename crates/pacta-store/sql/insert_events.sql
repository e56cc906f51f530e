WITH rows AS MATERIALIZED (SELECT jsonb(j.value) AS r FROM json_each($1) AS j)
INSERT INTO events (agreement_id, seq, at, kind, payload, prev_hash, hash)
SELECT
    r ->> 'agreement_id',
    CAST(r ->> 'seq' AS BIGINT),
    r ->> 'at',
    r ->> 'kind',
    r ->> 'payload',
    unhex(r ->> 'prev_hash'),
    unhex(r ->> 'hash')
FROM rows
