SELECT agreement_id, seq, at, kind, payload AS "payload: Vec<u8>", prev_hash, hash
FROM events
WHERE agreement_id IN (SELECT j.value ->> 'id' FROM json_each($1) AS j)
ORDER BY agreement_id, seq
