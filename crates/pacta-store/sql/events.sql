SELECT agreement_id, seq, at, kind, payload AS "payload: Vec<u8>", prev_hash, hash
FROM events
WHERE agreement_id = $1 AND seq > $2
ORDER BY seq
