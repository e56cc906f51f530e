INSERT INTO events (agreement_id, seq, at, kind, payload, prev_hash, hash)
SELECT
    j.value ->> 'agreement_id',
    CAST(j.value ->> 'seq' AS BIGINT),
    j.value ->> 'at',
    j.value ->> 'kind',
    unhex(j.value ->> 'payload'),
    unhex(j.value ->> 'prev_hash'),
    unhex(j.value ->> 'hash')
FROM json_each($1) AS j
